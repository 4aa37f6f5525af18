// The jobs pages: the list (/jobs), a job (/jobs/:jobId, with ?run= selecting a run) and a
// task try (/jobs/:jobId/runs/:runId/tasks/:taskKey).
import { useParams } from "react-router";
import { JobList } from "./JobList";
import { JobPage } from "./JobPage";
import { TaskTryPage } from "./TaskTryPage";
import "./jobs.css";

export default function JobsPage() {
  const { jobId, runId, taskKey } = useParams();
  if (jobId && runId && taskKey) {
    return (
      <main className="page">
        <TaskTryPage jobId={jobId} runId={Number(runId)} taskKey={taskKey} />
      </main>
    );
  }
  return <main className="page">{jobId ? <JobPage jobId={Number(jobId)} /> : <JobList />}</main>;
}

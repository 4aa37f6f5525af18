import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Route, Routes } from "react-router";
import { Layout } from "./components/Layout";
import { lazyPage, type PageComponent } from "./pageLoader";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/SimplePages";
import "./styles.css";

// Each page is its own chunk: the first page loads only what it shows. (The declarative
// router: a third of the data router's size, and these pages load their own data.)
const HomePage = lazyPage(() => import("./pages/HomePage"));
const CatalogPage = lazyPage(() => import("./pages/catalog/CatalogPage"));
const SqlPage = lazyPage(() => import("./pages/sql/SqlPage"));
const JobsPage = lazyPage(() => import("./pages/jobs/JobsPage"));
const ModelsPage = lazyPage(() => import("./pages/models/ModelsPage"));

// The page of the address opened, by its first path segment.
const FIRST_PAGE: Record<string, PageComponent> = {
  "": HomePage,
  catalog: CatalogPage,
  sql: SqlPage,
  jobs: JobsPage,
  models: ModelsPage,
};

function render() {
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <BrowserRouter>
        <Routes>
          <Route element={<Layout />}>
            <Route path="/" element={<HomePage />} />
            <Route path="/catalog/:catalog?/:schema?/:table?" element={<CatalogPage />} />
            <Route path="/sql" element={<SqlPage />} />
            <Route path="/jobs/:jobId?" element={<JobsPage />} />
            <Route path="/jobs/:jobId/runs/:runId/tasks/:taskKey" element={<JobsPage />} />
            <Route path="/models" element={<ModelsPage />} />
            <Route path="/login" element={<LoginPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </StrictMode>,
  );
}

const first = FIRST_PAGE[window.location.pathname.split("/")[1] ?? ""];
if (first) first.preload().then(render, render);
else render();

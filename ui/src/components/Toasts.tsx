import { toasts, useToasts } from "./toastStore";

/** The toasts in the bottom-right corner; each can be dismissed (and goes after 10 s). */
export function Toasts() {
  const items = useToasts();
  return (
    <div className="toasts" role="region" aria-label="Notifications" aria-live="assertive">
      {items.map((toast) => (
        <div className="toast" role="alert" key={toast.id}>
          <div className="toast-text">
            <div className="toast-title">{toast.title}</div>
            <div>{toast.message}</div>
          </div>
          <button type="button" aria-label="Dismiss" onClick={() => toasts.dismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

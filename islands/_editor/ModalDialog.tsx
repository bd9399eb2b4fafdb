import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** Props of {@linkcode ModalDialog}. */
export interface ModalDialogProps {
  open: boolean;
  /** Called when the dialog closes itself: Escape, the close button, a click outside. */
  onClose: () => void;
  title: string;
  testId: string;
  children: ComponentChildren;
}

/**
 * A modal `<dialog>`: focus moves into it and back, Escape closes it, the
 * page behind is inert. Shown with `showModal()`, so only in the browser.
 */
export default function ModalDialog(props: ModalDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = `${props.testId}-title`;

  useEffect(() => {
    const element = dialog.current;
    if (element === null) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);

  return (
    <dialog
      ref={dialog}
      class="duet-dialog"
      data-testid={props.testId}
      aria-labelledby={titleId}
      onClose={props.onClose}
      onClick={(event) => {
        // A click on the backdrop lands on the dialog element itself.
        if (event.target === dialog.current) dialog.current?.close();
      }}
    >
      <div class="duet-dialog__header">
        <h2 id={titleId} class="duet-dialog__title">{props.title}</h2>
        <button
          type="button"
          class="duet-dialog__close"
          aria-label="Close"
          onClick={() => dialog.current?.close()}
        >
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

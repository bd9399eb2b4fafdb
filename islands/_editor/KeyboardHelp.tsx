import ModalDialog from "./ModalDialog.tsx";

/** Props of {@linkcode KeyboardHelp}. */
export interface KeyboardHelpProps {
  open: boolean;
  onClose: () => void;
}

// What the standard bindings do (typing_support.ts, the session's undo and
// lazy_search.ts). Vim, Emacs and VS Code bindings keep their own keys.
function shortcuts(mod: string): [keys: string[][], what: string][] {
  return [
    [[["Tab"]], "Indent the line or selection"],
    [[["Shift", "Tab"]], "Dedent the line or selection"],
    [[["Esc"], ["Tab"]], "Leave the editor: Esc, then Tab or Shift-Tab"],
    [[["Tab"]], "Accept the suggestion shown in grey; Esc dismisses it"],
    [[[mod, "Z"]], "Undo your own last edit"],
    [[[mod, "Shift", "Z"], [mod, "Y"]], "Redo"],
    [[[mod, "/"]], "Toggle a line comment"],
    [[["Shift", "Alt", "A"]], "Toggle a block comment"],
    [[[mod, "F"]], "Search and replace"],
    [[["F3"], [mod, "G"]], "Next match (with Shift: previous)"],
    [[[mod, "D"]], "Select the next occurrence"],
    [[["Alt", "↑"], ["Alt", "↓"]], "Move the line up or down"],
    [[["?"]], "This help, from anywhere outside the editor"],
  ];
}

function isMac(): boolean {
  return /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/** The keyboard-shortcut help, opened with `?` outside the editor or the toolbar's button. */
export default function KeyboardHelp(props: KeyboardHelpProps) {
  const mod = props.open && isMac() ? "⌘" : "Ctrl";
  return (
    <ModalDialog
      open={props.open}
      onClose={props.onClose}
      title="Keyboard shortcuts"
      testId="shortcuts"
    >
      {props.open && (
        <>
          <dl class="duet-shortcuts">
            {shortcuts(mod).map(([chords, what]) => (
              <div key={what} class="duet-shortcuts__row">
                <dt>
                  {chords.map((chord, index) => (
                    <span key={index}>
                      {index > 0 &&
                        (chords.length > 1 && what.startsWith("Leave") ? " then " : " or ")}
                      {chord.map((key, keyIndex) => (
                        <span key={keyIndex}>
                          {keyIndex > 0 && "-"}
                          <kbd>{key}</kbd>
                        </span>
                      ))}
                    </span>
                  ))}
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
          <p class="duet-dialog__note">
            Vim, Emacs and VS Code key bindings can be chosen in Preferences.
          </p>
        </>
      )}
    </ModalDialog>
  );
}

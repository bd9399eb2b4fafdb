import type { VNode } from "preact";
import { DEFAULT_LANGUAGE, LANGUAGE_IDS, LANGUAGE_LABELS } from "../lib/shared/languages.ts";

/** Props of {@linkcode CreateRoomForm}. */
export interface CreateRoomFormProps {
  /** Text of the submit button. */
  label?: string;
}

/** A plain form that creates a room; it works without JavaScript. */
export function CreateRoomForm({ label = "Create room" }: CreateRoomFormProps): VNode {
  return (
    <form class="create-room" method="post" action="/rooms">
      <label class="field">
        <span class="field-label">Language</span>
        <select name="language">
          {LANGUAGE_IDS.map((id) => (
            <option value={id} selected={id === DEFAULT_LANGUAGE} key={id}>
              {LANGUAGE_LABELS[id]}
            </option>
          ))}
        </select>
      </label>
      <button class="button primary" type="submit">{label}</button>
    </form>
  );
}

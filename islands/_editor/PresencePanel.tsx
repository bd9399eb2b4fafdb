import type { TargetedEvent } from "preact";
import { type Activity, type Participant, PRESENCE_PALETTE } from "./presence.ts";

/** Props of {@linkcode PresencePanel}. */
export interface PresencePanelProps {
  people: Participant[];
  /** The room's link, shown with a hint while nobody else is here. */
  roomUrl: string;
  /** Whether the room's presence is known yet (no hint before). */
  ready: boolean;
  /** The local participant's colour. */
  color: string;
  copied: boolean;
  disabled: boolean;
  onCopyLink: () => void;
  onPickColor: (color: string) => void;
}

const ACTIVITY_TEXT: Record<Activity, string | null> = {
  typing: "typing…",
  active: null,
  idle: "idle",
  away: "away",
};

/** Who is in the room and what they are doing, the invitation while alone, and the colour picker. */
export default function PresencePanel(props: PresencePanelProps) {
  const { people } = props;
  const alone = props.ready && people.filter((person) => !person.isSelf).length === 0;
  const onPick = (event: TargetedEvent<HTMLInputElement>) => {
    props.onPickColor(event.currentTarget.value);
  };
  return (
    <section class="duet-people" aria-labelledby="duet-people-heading">
      <h2 id="duet-people-heading" class="duet-people__heading">
        In this room
        {people.length > 0 && <span class="duet-people__count">{people.length}</span>}
      </h2>
      <ul class="duet-presence" data-testid="presence">
        {people.map((person) => {
          const activity = ACTIVITY_TEXT[person.activity];
          return (
            <li
              key={person.clientId}
              class="duet-person"
              data-self={person.isSelf ? "true" : "false"}
              data-activity={person.activity}
            >
              <span
                class="duet-person__dot"
                style={{ backgroundColor: person.color }}
                aria-hidden="true"
              />
              <span class="duet-person__name">{person.name}</span>
              {person.isSelf && " "}
              {person.isSelf && <span class="duet-person__you">(you)</span>}
              {activity !== null && " "}
              {activity !== null && (
                <span class="duet-person__activity" data-testid="activity">{activity}</span>
              )}
            </li>
          );
        })}
      </ul>
      {alone && (
        <div class="duet-invite" data-testid="invite">
          <p class="duet-invite__hint">Share this link to invite someone</p>
          <input
            class="duet-input duet-invite__link"
            data-testid="invite-link"
            type="text"
            readOnly
            value={props.roomUrl}
            aria-label="Room link"
            onFocus={(event) => event.currentTarget.select()}
          />
          <button
            type="button"
            class="duet-button duet-invite__copy"
            data-testid="invite-copy"
            data-copied={props.copied ? "true" : "false"}
            disabled={props.disabled}
            onClick={props.onCopyLink}
          >
            {props.copied ? "Copied!" : "Copy link"}
          </button>
        </div>
      )}
      <details class="duet-colors">
        <summary class="duet-colors__summary">
          <span
            class="duet-person__dot"
            style={{ backgroundColor: props.color }}
            aria-hidden="true"
          />
          Your colour
        </summary>
        <fieldset class="duet-colors__palette" data-testid="colors" disabled={props.disabled}>
          <legend class="duet-visually-hidden">Your colour</legend>
          {PRESENCE_PALETTE.map(({ color, name }) => (
            <label key={color} class="duet-colors__swatch" title={name}>
              <input
                type="radio"
                name="duet-color"
                value={color}
                checked={color === props.color}
                aria-label={name}
                onChange={onPick}
              />
              <span style={{ backgroundColor: color }} aria-hidden="true" />
            </label>
          ))}
        </fieldset>
      </details>
    </section>
  );
}

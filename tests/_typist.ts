import * as decoding from "lib0/decoding";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

/** A token typed by a {@linkcode Typist} and the clock at which it ended. */
export interface TypedToken {
  token: string;
  endClock: number;
}

/**
 * A headless participant that types unique tokens and keeps the server's save
 * receipts, to check exactly what a page would have shown as saved.
 */
export class Typist {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  readonly tokens: TypedToken[] = [];
  savedClock = 0;
  storageDown = false;
  closeCodes: number[] = [];

  constructor(serverUrl: string, roomId: string) {
    this.provider = new WebsocketProvider(
      `${serverUrl.replace("http", "ws")}/ws`,
      roomId,
      this.doc,
      {
        disableBc: true,
        maxBackoffTime: 300,
        params: { saved: String(this.doc.clientID) },
      },
    );
    this.provider.messageHandlers[100] = (_encoder, decoder) => {
      const status = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      if (status === 0) {
        this.savedClock = Math.max(this.savedClock, clock);
        this.storageDown = false;
      } else this.storageDown = true;
    };
    this.provider.on("connection-close", (event) => {
      if (event) this.closeCodes.push(event.code);
    });
  }

  get text(): string {
    return this.doc.getText("code").toString();
  }

  /** Appends a token on its own line. */
  type(token: string): void {
    const text = this.doc.getText("code");
    text.insert(text.length, `${token}\n`);
    this.tokens.push({ token, endClock: Y.getState(this.doc.store, this.doc.clientID) });
  }

  /** The tokens the page would have shown as saved. */
  get savedTokens(): string[] {
    return this.tokens.filter((typed) => typed.endClock <= this.savedClock).map((typed) =>
      typed.token
    );
  }

  destroy(): void {
    this.provider.destroy();
    this.doc.destroy();
  }
}

/** How many times `token` appears as a whole line of `text`. */
export function countLines(text: string, token: string): number {
  return text.split("\n").filter((line) => line === token).length;
}

// Messages between workers: one MessagePort per pair, read synchronously (receiveMessageOnPort)
// between expansions, so a worker never yields to its event loop. A doorbell per worker in the
// control block says that something arrived (a cheap check on the hot path) and is what a worker
// sleeps on when it has to wait for its peers. Ports are FIFO: what a peer sent before a marker
// arrives before it.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Control } from './control.js';

/** Successors for their owner (partitioned.ts): `n` entries in `data`. */
export interface BatchMail {
  kind: 'batch';
  n: number;
  data: Int32Array<ArrayBuffer>;
}

/** The sender has sent everything it had for the level being built. */
export interface EndMail {
  kind: 'end';
  level: number;
}

/** The sender's share of a level's frontier (frontier.ts): `count` entries in these chunks. */
export interface FrontierMail {
  kind: 'frontier';
  level: number;
  count: number;
  chunks: SharedArrayBuffer[];
}

export type Mail = BatchMail | EndMail | FrontierMail;

export interface MailHandlers {
  batch(from: number, mail: BatchMail): void;
  end(from: number, mail: EndMail): void;
  frontier(from: number, mail: FrontierMail): void;
}

export class Mailbox {
  private seen = 0;
  /** Set by the parts of the search that receive mail. */
  readonly on: MailHandlers = {
    batch: () => {
      throw new Error('mailbox: a batch arrived with nobody to take it');
    },
    end: () => {
      throw new Error('mailbox: an end marker arrived with nobody to take it');
    },
    frontier: () => {
      throw new Error('mailbox: a frontier arrived with nobody to take it');
    },
  };

  constructor(
    private readonly me: number,
    private readonly ports: readonly (MessagePort | null)[],
    private readonly control: Control,
  ) {}

  send(to: number, mail: Mail, transfer: ArrayBuffer[] = []): void {
    this.ports[to]!.postMessage(mail, transfer);
    this.control.ring(to);
  }

  /** Deliver what arrived since the last look (a load of the doorbell when nothing did). */
  poll(): void {
    const bell = this.control.bell(this.me);
    if (bell === this.seen) return;
    this.seen = bell;
    this.drain();
  }

  /** Deliver mail until `done()` holds; false when the run was stopped meanwhile. */
  until(done: () => boolean): boolean {
    for (;;) {
      const bell = this.control.bell(this.me);
      this.seen = bell;
      this.drain();
      if (done()) return true;
      if (this.control.stopped) return false;
      this.control.waitBell(this.me, bell);
    }
  }

  private drain(): void {
    for (let w = 0; w < this.ports.length; w++) {
      const port = this.ports[w];
      if (!port) continue;
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const mail = m.message as Mail;
        if (mail.kind === 'batch') this.on.batch(w, mail);
        else if (mail.kind === 'end') this.on.end(w, mail);
        else this.on.frontier(w, mail);
      }
    }
  }

  close(): void {
    for (const p of this.ports) p?.close();
  }
}

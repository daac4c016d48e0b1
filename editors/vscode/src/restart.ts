// Pure logic: when a crashed server is started again. No `vscode` import.

/** What to do after the server's connection closed unexpectedly. */
export interface CrashDecision {
  restart: boolean;
  /** Crashes within the window, this one included. */
  crashes: number;
  /** The message for the user. */
  message: string;
}

/**
 * RestartPolicy restarts a crashed server up to `max` times within
 * `windowMs` (3 times in 3 minutes by default); past that it stops trying,
 * and the user restarts it (the message's Restart button, the status bar
 * item, or "SyntX: Restart Server"), which also forgets the crashes.
 */
export class RestartPolicy {
  private crashes: number[] = [];
  constructor(
    readonly max = 3,
    readonly windowMs = 3 * 60 * 1000,
  ) {}

  crashed(now: number): CrashDecision {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    const n = this.crashes.length;
    const minutes = Math.round(this.windowMs / 60000);
    if (n <= this.max) {
      return {
        restart: true,
        crashes: n,
        // Short: a notification with progress shows one line.
        message: `SyntX server crashed; restarted it (${n} of ${this.max} in ${minutes} min)`,
      };
    }
    return {
      restart: false,
      crashes: n,
      message: `The SyntX server crashed ${n} times in ${minutes} minutes and was not restarted. The SyntX output has its log.`,
    };
  }

  /** reset forgets the crashes (the user restarted the server). */
  reset(): void {
    this.crashes = [];
  }
}

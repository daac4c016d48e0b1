import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { RestartPolicy } from "../restart";

describe("RestartPolicy", () => {
  it("restarts 3 times in 3 minutes, then stops, with a message each time", () => {
    const p = new RestartPolicy();
    const t0 = 1_000_000;
    const got = [0, 10_000, 20_000, 30_000].map((dt) => p.crashed(t0 + dt));
    assert.deepEqual(
      got.map((d) => d.restart),
      [true, true, true, false],
    );
    assert.equal(got[0].message, "SyntX server crashed; restarted it (1 of 3 in 3 min)");
    assert.match(got[2].message, /\(3 of 3 in 3 min\)/);
    assert.match(got[3].message, /crashed 4 times in 3 minutes and was not restarted/);
  });

  it("forgets crashes older than the window", () => {
    const p = new RestartPolicy();
    p.crashed(0);
    p.crashed(1000);
    p.crashed(2000);
    const d = p.crashed(3 * 60 * 1000 + 1500); // the first two are out of the window
    assert.equal(d.restart, true);
    assert.equal(d.crashes, 2);
  });

  it("starts over after the user restarts it", () => {
    const p = new RestartPolicy(1, 60_000);
    p.crashed(0);
    assert.equal(p.crashed(1).restart, false);
    p.reset();
    assert.equal(p.crashed(2).restart, true);
  });
});

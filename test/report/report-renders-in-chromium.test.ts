// The report in a real browser: Debian's Chromium, headless, opening report.html from disk.
// Skipped (with the reason) where Chromium is not installed; under CI=true that is a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeReport } from '../../report/render-report.ts';
import { assertReportInBrowser, browserSkipReason } from './browser-check.ts';
import { writeRunDirFixture } from './run-dir-fixture.ts';
import { tempDir } from './temp-run-dir.ts';
import { FIXTURE_CHARTS } from './chart-attributes.ts';
import { HOSTILE } from './hostile-strings.ts';

test('report.html renders offline in Chromium: every chart visible with data, clean console, no request', async (t) => {
  const reason = browserSkipReason();
  if (reason) {
    t.skip(reason);
    return;
  }
  // Hostile rationales too: a script that ran would open a dialog, log or fetch, and fail the check.
  const dir = writeRunDirFixture(tempDir(t), HOSTILE);
  const { charts } = await assertReportInBrowser(writeReport(dir), { requiredCharts: FIXTURE_CHARTS });
  assert.deepEqual(Object.keys(charts).sort(), [...FIXTURE_CHARTS].sort());
});

test('the browser check fails on an empty chart, a script error, a network request and a missing chart', async (t) => {
  const reason = browserSkipReason();
  if (reason) {
    t.skip(reason);
    return;
  }
  const dir = tempDir(t);
  const path = join(dir, 'report.html');
  writeFileSync(
    path,
    `<!doctype html><html><head><title>bad</title></head><body>
<figure data-chart="empty-chart" data-points="0" style="width:400px;height:100px">nothing</figure>
<figure data-chart="hidden-chart" data-points="3" style="display:none">hidden</figure>
<img src="http://127.0.0.1:9/pixel.png" alt="">
<script>console.error('boom')</script>
</body></html>`,
  );
  await assert.rejects(assertReportInBrowser(path), (e: Error) => {
    for (const expected of [
      /chart empty-chart: data-points is 0/,
      /chart hidden-chart is not visible/,
      /request made: GET http:\/\/127\.0\.0\.1:9\/pixel\.png/,
      /console error: boom/,
      /contains 1 <script>/,
      /required chart heldout-accuracy is missing/,
      /stylesheet did not apply|run header is unstyled/,
    ]) {
      assert.match(e.message, expected);
    }
    return true;
  });
});

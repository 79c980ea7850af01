import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../report/render-report.ts';
import { escapeHtml, html } from '../../report/html.ts';
import { writeRunDirFixture } from './run-dir-fixture.ts';
import { tempDir } from './temp-run-dir.ts';
import { HOSTILE } from './hostile-strings.ts';

test('rationales and descriptions with markup are shown as text, never as markup', (t) => {
  const dir = writeRunDirFixture(tempDir(t), HOSTILE);
  const page = renderReport(dir);
  assert.doesNotMatch(page, /<script/i, 'no script element, even from a rationale');
  assert.doesNotMatch(page, /<img/i);
  assert.doesNotMatch(page, /<b>bold/);
  assert.equal(page.match(/<\/style>/g)?.length, 1, 'only the real stylesheet closes');
  assert.ok(page.includes('&lt;script&gt;alert(&quot;stage&quot;)&lt;/script&gt; &amp; why'), 'stage rationale shown escaped');
  assert.ok(page.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;b&gt;bold&lt;/b&gt;'), 'task rationale shown escaped');
  assert.ok(page.includes('&lt;/style&gt;&lt;/title&gt;&lt;script&gt;alert(&#39;description&#39;)'), 'description shown escaped');
});

test('the html template escapes interpolations and passes nested fragments through', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const inner = html`<em>${'<i>'}</em>`;
  assert.equal(html`<p title="${'"q"'}">${inner}${['<', 1, null, undefined, false]}</p>`.value, '<p title="&quot;q&quot;"><em>&lt;i&gt;</em>&lt;1</p>');
});

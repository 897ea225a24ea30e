import { describe, expect, it } from 'vitest';
import { html, render, trusted } from './html.js';

describe('html templates', () => {
  it('escapes what is interpolated and keeps what is markup', () => {
    const name = `<script>alert("x")</script> & 'co'`;
    expect(render(html`<p title="${name}">${name}</p>`)).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>',
    );
    expect(render(html`<ul>${['a', 'b'].map((item) => html`<li>${item}</li>`)}</ul>`)).toBe(
      '<ul><li>a</li><li>b</li></ul>',
    );
  });

  it('leaves out nothing, false and null, and prints numbers', () => {
    expect(render(html`${undefined}${null}${false}${0}${12n}`)).toBe('012');
    expect(render(trusted('<br>'))).toBe('<br>');
  });
});

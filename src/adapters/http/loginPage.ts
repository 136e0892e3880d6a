/** The dashboard's login page: one form, no script, nothing from elsewhere. */

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function loginPage(action: string, error?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orgsync dashboard: log in</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; display: grid; place-items: center; min-height: 100vh; margin: 0; }
  form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); width: min(28rem, 90vw); }
  h1 { font-size: 1.25rem; margin-top: 0; }
  label { display: block; margin-bottom: .5rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
  button { margin-top: 1rem; padding: .5rem 1.25rem; font: inherit; cursor: pointer; }
  .error { color: #b00020; }
  .hint { color: #555; font-size: .875rem; }
</style>
</head>
<body>
<form method="post" action="${escapeHtml(action)}">
  <h1>orgsync queue dashboard</h1>
  ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
  <label for="token">Admin API token</label>
  <input id="token" name="token" type="password" autocomplete="off" required autofocus>
  <p class="hint">Create one with <code>orgsync token create --admin</code>.</p>
  <button type="submit">Log in</button>
</form>
</body>
</html>
`;
}

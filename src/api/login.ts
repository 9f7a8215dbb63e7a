/** The console's login form, the one page served off loopback before the token was given. */

/** Where the form returns after signing in: a path of this site only (never `//host`, which leaves it). */
export function localPath(value: string | null | undefined): string {
  return value && /^\/(?![/\\])[A-Za-z0-9/._~%?=&:+-]*$/.test(value) ? value : '/';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The form, with `problem` said above it when the last try failed. */
export function loginPage(next: string, problem?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · flowtrail</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css">
</head>
<body>
<main class="login">
<h1>flowtrail</h1>
<form method="post" action="/login">
<p>This console answers only with the API's bearer token (<code>api.token</code>, <code>api.token_file</code> or <code>FLOWTRAIL_API_TOKEN</code>).</p>
${problem === undefined ? '' : `<p class="error" role="alert">${escapeHtml(problem)}</p>\n`}<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(localPath(next))}">
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}

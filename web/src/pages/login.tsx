import { useState } from 'preact/hooks';
import { login, type Session } from '../api';

export function Login(props: { onLogin: (s: Session) => void; noWorkspace: boolean }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(props.noWorkspace ? 'Your account has no role in any workspace; ask an admin.' : '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      props.onLogin(await login(user, password));
    } catch (err: any) {
      setError(err.status === 404 ? 'This server has no sign-in (GET /v1/session answered 404).' : err.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to wsec</h1>
        <label for="user">User</label>
        <input id="user" name="user" autocomplete="username" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} required autofocus />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

// /ui/callback: the authorization server's answer; trades the code for a token and goes back where sign-in started.
import { completeSignIn } from './auth.js';
import { shell, showError } from './ui.js';

shell('Signing in');
try {
  location.replace(await completeSignIn());
} catch (e) {
  showError(document.getElementById('status'), e);
}

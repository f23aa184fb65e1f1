// Comity's moderator console: a single page routed by the URL fragment.
import './style.css';
import { ApiError, currentUser, restore } from './api';
import { frame, showError } from './shell';
import { decisionToast } from './decisions';
import { loginPage } from './pages/login';
import { queuePage } from './pages/queue';
import { threadPage, threadsPage } from './pages/threads';
import { dashboardPage } from './pages/dashboard';
import { policiesPage } from './pages/policies';
import { importPage } from './pages/import';
import { reportsPage } from './pages/reports';
import { authorPage } from './pages/authors';
import { auditPage, modelsPage } from './pages/info';

const app = document.getElementById('app')!;
let leave: (() => void) | void;

// Each route() call is a generation: a page that finishes loading after the next
// route() began (a quick change of community) is left at once, so it never keeps
// its key handlers or its event stream alongside the page now shown.
let generation = 0;

async function route(): Promise<void> {
  const mine = ++generation;
  if (leave) leave();
  leave = undefined;
  const hash = location.hash || '#/queue';
  if (hash.startsWith('#/login')) {
    loginPage(app, '#/queue');
    return;
  }
  if (!currentUser && !(await restore())) {
    loginPage(app, hash);
    return;
  }
  const main = frame(app, hash);
  // What was just decided, with its Undo, stays on screen while the page redraws.
  main.before(decisionToast());
  const [, page, arg] = hash.split('/');
  try {
    if (page === 'threads' && arg) await threadPage(main, decodeURIComponent(arg));
    else if (page === 'threads') await threadsPage(main);
    else if (page === 'reports') await reportsPage(main);
    else if (page === 'authors' && arg) await authorPage(main, decodeURIComponent(arg));
    else if (page === 'dashboard') await dashboardPage(main);
    else if (page === 'policies') await policiesPage(main);
    else if (page === 'import') await importPage(main);
    else if (page === 'audit') await auditPage(main);
    else if (page === 'models') await modelsPage(main);
    else {
      const cleanup = await queuePage(main);
      if (mine === generation) leave = cleanup;
      else cleanup();
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      loginPage(app, hash);
      return;
    }
    showError(error);
  }
  main.dataset.ready = 'true';
}

window.addEventListener('hashchange', () => void route());
void route();

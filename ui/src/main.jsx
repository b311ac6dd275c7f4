// Entry point of the bundle (ui/build.mjs): mounts the app into index.html.
import { render } from 'preact';
import { App } from './app.jsx';
import { interceptLinks } from './lib/router.js';
import './style.css';

const root = document.getElementById('app');
interceptLinks(document.body);
render(<App />, root);

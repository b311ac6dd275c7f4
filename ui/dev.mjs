// A development server for the UI: serves a fresh bundle of ui/src on every
// page load and passes everything else (the APIs, /metrics, the tail
// WebSocket) through to a running Vigil, so UI work needs no C++ rebuild.
//
//   node ui/dev.mjs [--listen 127.0.0.1:5173] [--vigil 127.0.0.1:9900]
//
// The binary embeds the same bundle (ui/build.mjs); this server is only for
// working on the UI.
import * as esbuild from 'esbuild';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const [listenHost, listenPort] = arg('--listen', '127.0.0.1:5173').split(':');
const [vigilHost, vigilPort] = arg('--vigil', '127.0.0.1:9900').split(':');

async function bundle() {
  const r = await esbuild.build({
    absWorkingDir: here,
    entryPoints: ['src/main.jsx'],
    bundle: true,
    format: 'esm',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: 'out',
    entryNames: '[name]',
    write: false,
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  const files = {};
  for (const f of r.outputFiles) files[path.extname(f.path)] = f.contents;
  return files;
}

let last = null;
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/ui/assets/dev.js' || url.pathname === '/ui/assets/dev.css') {
    const ext = path.extname(url.pathname);
    res.writeHead(200, { 'Content-Type': ext === '.js' ? 'text/javascript' : 'text/css', 'Cache-Control': 'no-store' });
    res.end(last ? last[ext] || '' : '');
    return;
  }
  if (url.pathname === '/ui' || url.pathname.startsWith('/ui/')) {
    try {
      last = await bundle();
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err.message || err));
      return;
    }
    const html = fs
      .readFileSync(path.join(here, 'src', 'index.html'), 'utf8')
      .replace('%SCRIPT%', '/ui/assets/dev.js')
      .replace('%STYLE%', '/ui/assets/dev.css');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
    return;
  }
  const up = http.request(
    { host: vigilHost, port: vigilPort, method: req.method, path: req.url, headers: req.headers },
    (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    },
  );
  up.on('error', (err) => {
    res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end(`vigil at ${vigilHost}:${vigilPort}: ${err.message}`);
  });
  req.pipe(up);
});

// WebSocket upgrades (the Loki tail) are piped through as raw TCP.
server.on('upgrade', (req, socket, head) => {
  const up = net.connect(Number(vigilPort), vigilHost, () => {
    let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    up.write(lines + '\r\n');
    up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
});

server.listen(Number(listenPort), listenHost, () => {
  console.log(`ui dev server on http://${listenHost}:${listenPort}/ui/ (APIs from ${vigilHost}:${vigilPort})`);
});

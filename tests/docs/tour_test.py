"""The guided tour (docs/tour/) as a test: every ```sh block of every page is run, so the tour never goes stale.

It starts `vigil cloudsim` and `vigil serve` as `make run` does, but on ephemeral ports in a temp dir laid out
like the checkout (config/vigil.yml, data/), so the pages' relative paths work in both places. The copy of
config/vigil.yml has its addresses moved to those ports and a 1 s scrape interval, so data a reader has
after a minute is there after a few seconds. Then it runs the pages in the order README.md links them.

    VIGIL_BINARY=build/release/vigil /usr/bin/python3 tests/docs/tour_test.py
    ... tour_test.py --until 03      the pages up to the first whose file name contains "03"
    ... tour_test.py --serve         start the servers, print the exports, wait for Ctrl-C (to write pages)
    ... tour_test.py --as-shipped    the shipped 15 s scrape interval, starting 40 s in, as a reader would

The rules the pages follow (docs/tour/README.md says them to readers too):
- Only ```sh blocks run. Each command (a complete bash command, which may span lines) runs on its own with
  `bash -euo pipefail -c`, cwd the temp dir, with VIGIL, CLOUDSIM and SYSLOG_PORT set and the binary's
  directory first on PATH; shell state does not carry from one command to the next. The index's
  `export VIGIL=...` lines (CLOUDSIM, SYSLOG_PORT, PATH) are skipped: the test sets those itself.
- A comment line `# expect: REGEX` after a command: its output (stdout and stderr) must match the Python
  regex (re.search, multiline). A command must also exit 0. Other comment lines are for readers.
- Relative links (with their #anchors) and the repository paths named in backquotes (`src/...`) must exist.
A failure names page:line, the command, its output; the server logs' tails are printed at the end.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def _die_with_parent():
    """Children get SIGTERM when the test dies, even by SIGKILL (a ctest timeout), so no server outlives it."""
    import ctypes
    ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _on_sigterm(*_):
    raise KeyboardInterrupt


HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get('VIGIL_SOURCE_DIR') or os.path.dirname(os.path.dirname(HERE))
TOUR_DIR = os.path.join(SOURCE_DIR, 'docs', 'tour')
# Set by the test, not by the page: the index tells readers to export them.
ENV_LINE = re.compile(r'^\s*export\s+(VIGIL|CLOUDSIM|SYSLOG_PORT|PATH)=')
EXPECT = re.compile(r'^\s*#\s*expect:\s?(.*)$')
COMMAND_TIMEOUT_S = 60


def free_port():
    """A port free for both TCP and UDP (syslog listens on both at one port)."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(('127.0.0.1', 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(('127.0.0.1', port))
        except OSError:
            continue
        finally:
            t.close()
            u.close()
        return port
    raise RuntimeError('no free port')


def rewrite_config(text, ports, fast=True):
    """config/vigil.yml with the test's ports and (if fast) a 1 s scrape interval; each rewrite must apply,
    so a change to the shipped config that this test no longer follows fails here rather than testing a
    server that polls the wrong place."""
    subs = [
        ('127.0.0.1:9900', f'127.0.0.1:{ports["http"]}'),
        ('127.0.0.1:9901', f'127.0.0.1:{ports["sim"]}'),
        ('127.0.0.1:9902', f'127.0.0.1:{ports["sim_tls"]}'),
        ('127.0.0.1:9914', f'127.0.0.1:{ports["syslog"]}'),
    ]
    subs += [] if not fast else [
        (re.compile(r'^(\s*scrape_interval:\s*)15s', re.M), r'\g<1>1s'),
        (re.compile(r'^(\s*scrape_timeout:\s*)10s', re.M), r'\g<1>1s'),
    ]
    for old, new in subs:
        if isinstance(old, str):
            if old not in text:
                raise RuntimeError(f'config/vigil.yml no longer contains {old!r}: update tour_test.py')
            text = text.replace(old, new)
        else:
            text, n = old.subn(new, text)
            if n == 0:
                raise RuntimeError(f'config/vigil.yml no longer matches {old.pattern!r}: update tour_test.py')
    return text


def get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode('utf-8', 'replace')


class Servers:
    def __init__(self, binary, work, fast=True):
        self.fast = fast
        self.binary = binary
        self.work = work
        self.procs = []
        self.ports = {k: free_port() for k in ('http', 'sim', 'sim_tls', 'syslog')}
        self.base = f'http://127.0.0.1:{self.ports["http"]}'
        self.sim = f'http://127.0.0.1:{self.ports["sim"]}'

    def spawn(self, name, args):
        log = open(os.path.join(self.work, f'{name}.log'), 'wb')
        p = subprocess.Popen([self.binary] + args, cwd=self.work, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.procs.append((name, p, log))
        return p

    def start(self):
        t0 = time.monotonic()
        os.makedirs(os.path.join(self.work, 'config'))
        with open(os.path.join(SOURCE_DIR, 'config', 'vigil.yml')) as f:
            cfg = rewrite_config(f.read(), self.ports, self.fast)
        with open(os.path.join(self.work, 'config', 'vigil.yml'), 'w') as f:
            f.write(cfg)
        # As the Makefile's `run`: the simulator first, its credentials written before the server starts.
        sim_dir = os.path.join(self.work, 'data', 'cloudsim')
        os.makedirs(sim_dir)
        self.spawn('cloudsim', ['cloudsim', '--listen', f'127.0.0.1:{self.ports["sim"]}',
                                '--tls-listen', f'127.0.0.1:{self.ports["sim_tls"]}',
                                '--state-dir', 'data/cloudsim', '--write-credentials', 'data/cloudsim'])
        self.wait(lambda: os.path.exists(os.path.join(sim_dir, 'endpoints.env')), 20, 'cloudsim credentials')
        self.spawn('vigil', ['serve', '--listen', f'127.0.0.1:{self.ports["http"]}', '--data-dir', 'data',
                             '--config', 'config/vigil.yml'])
        self.wait(lambda: self.ok('/-/ready'), 60, f'{self.base}/-/ready')
        # A reader starts the tour with every target scraped or polled at least once; so does the test.
        # A target that stays down is left for the pages' expectations to report.
        try:
            self.wait(self.all_targets_seen, 30, 'every target scraped once')
        except RuntimeError as e:
            print(f'note: {e}; running the tour anyway', flush=True)
        if not self.fast:
            # The README asks readers to give `make run` a minute: two 15 s scrapes make a rate.
            time.sleep(max(0.0, 40 - (time.monotonic() - t0)))

    def ok(self, path):
        try:
            return get(self.base + path)[0] == 200
        except Exception:
            return False

    def all_targets_seen(self):
        try:
            body = json.loads(get(self.base + '/api/v1/targets')[1])
        except Exception:
            return False
        active = body['data']['activeTargets']
        return len(active) >= 5 and all(t.get('health') == 'up' for t in active)

    def wait(self, cond, seconds, what):
        deadline = time.monotonic() + seconds
        while not cond():
            for name, p, _ in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f'{name} exited with {p.returncode} while waiting for {what}')
            if time.monotonic() > deadline:
                raise RuntimeError(f'timed out after {seconds} s waiting for {what}')
            time.sleep(0.1)

    def stop(self):
        for name, p, log in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            log.close()

    def log_tails(self, lines=40):
        out = []
        for name, _, _ in self.procs:
            with open(os.path.join(self.work, f'{name}.log'), 'rb') as f:
                tail = f.read().decode('utf-8', 'replace').splitlines()[-lines:]
            out.append(f'--- last {len(tail)} lines of {name}.log\n' + '\n'.join(tail))
        return '\n'.join(out)


def page_order():
    """README.md, then the pages in the order it links them; a page it does not link (or a link to a page
    that is not there) is an error, so the index stays the table of contents."""
    index = os.path.join(TOUR_DIR, 'README.md')
    with open(index) as f:
        text = f.read()
    linked = []
    for m in re.finditer(r'\]\(([\w.-]+\.md)(#[\w-]*)?\)', text):
        if m.group(1) not in linked and m.group(1) != 'README.md':
            linked.append(m.group(1))
    present = sorted(n for n in os.listdir(TOUR_DIR) if n.endswith('.md') and n != 'README.md')
    missing = [n for n in linked if n not in present]
    unlinked = [n for n in present if n not in linked]
    if missing or unlinked:
        raise RuntimeError(f'docs/tour/README.md links missing pages {missing}, does not link {unlinked}')
    return ['README.md'] + linked


def is_complete(text):
    """Whether text is a whole bash command (quotes closed, no trailing backslash, heredocs ended)."""
    if text.endswith('\\'):
        return False  # bash -n accepts a backslash at the very end; a reader's shell would wait for more
    r = subprocess.run(['bash', '-n', '-c', text], capture_output=True, text=True)
    # An unterminated here-document is only a warning to bash -n.
    return r.returncode == 0 and r.stderr == ''


def commands_of(page):
    """[(line, command, [expect regexes])] of the page's ```sh blocks."""
    with open(os.path.join(TOUR_DIR, page)) as f:
        lines = f.read().split('\n')
    out = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != '```sh':
            i += 1
            continue
        i += 1
        pending, start = [], 0
        # Expectations belong to the command right above them (or above the expectations before them).
        can_expect = False
        while i < len(lines) and lines[i].strip() != '```':
            line = lines[i]
            m = EXPECT.match(line)
            if pending:
                pending.append(line)
                if is_complete('\n'.join(pending)):
                    out.append((start, '\n'.join(pending), []))
                    pending, can_expect = [], True
            elif m:
                if not can_expect:
                    raise RuntimeError(f'{page}:{i + 1}: "# expect:" not right after a command')
                out[-1][2].append(m.group(1))
            elif line.strip() == '' or line.lstrip().startswith('#') or ENV_LINE.match(line):
                can_expect = False
            else:
                start, pending = i + 1, [line]
                if is_complete(line):
                    out.append((start, line, []))
                    pending, can_expect = [], True
            i += 1
        if i >= len(lines):
            raise RuntimeError(f'{page}: a ```sh block is not closed')
        if pending:
            raise RuntimeError(f'{page}:{start}: the command does not end inside its block')
        i += 1
    return out


def github_anchor(heading):
    """The id GitHub gives a Markdown heading: lowercased, punctuation dropped, spaces as dashes."""
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')


def broken_links(page):
    """Relative links of a page whose file or #anchor does not exist: the tour points into docs/ and src/,
    and a renamed section should fail here as a stale command does."""
    out = []
    with open(os.path.join(TOUR_DIR, page)) as f:
        text = f.read()
    in_fence = False
    for n, line in enumerate(text.split('\n'), 1):
        if line.startswith('```'):
            in_fence = not in_fence
        if in_fence:
            continue
        for m in re.finditer(r'\]\(([^)\s]+)\)', line):
            target = m.group(1)
            if re.match(r'[a-z]+:', target):
                continue
            path, _, anchor = target.partition('#')
            full = os.path.normpath(os.path.join(TOUR_DIR, path)) if path else os.path.join(TOUR_DIR, page)
            if not os.path.exists(full):
                out.append(f'docs/tour/{page}:{n}: link to {target}: no such file')
                continue
            if anchor and full.endswith('.md'):
                with open(full) as f:
                    heads = {github_anchor(h) for h in re.findall(r'^#+\s+(.*)$', f.read(), re.M)}
                if anchor not in heads:
                    out.append(f'docs/tour/{page}:{n}: link to {target}: no heading with that anchor')
        # Paths named in the text (`src/collect/scrape`, `src/collect/cloud/{aws,azure}`, `ui/dashboards/*.json`).
        for m in re.finditer(r'`((?:src|ui|config|tests|docs)/[^`\s]*)`', line):
            b = re.search(r'\{([^}]*)\}', m.group(1))
            paths = [m.group(1)] if not b else [m.group(1)[:b.start()] + x + m.group(1)[b.end():]
                                                 for x in b.group(1).split(',')]
            for rel in paths:
                if not glob.glob(os.path.join(SOURCE_DIR, rel)):
                    out.append(f'docs/tour/{page}:{n}: `{rel}` does not exist')
    return out


def run_tour(servers, pages, verbose=False):
    env = dict(os.environ)
    env.update({
        'VIGIL': servers.base,
        'CLOUDSIM': servers.sim,
        'SYSLOG_PORT': str(servers.ports['syslog']),
        'PATH': os.path.dirname(os.path.abspath(servers.binary)) + os.pathsep + env.get('PATH', ''),
        # Sparklines are as wide as the terminal; the test has none, so fix it for stable output.
        'COLUMNS': '100',
    })
    failures, ran = [], 0
    for page in pages:
        failures += broken_links(page)
        cmds = commands_of(page)
        t0 = time.monotonic()
        for line, cmd, expects in cmds:
            ran += 1
            try:
                r = subprocess.run(['bash', '-euo', 'pipefail', '-c', cmd], cwd=servers.work, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   timeout=COMMAND_TIMEOUT_S)
                output, rc = r.stdout.decode('utf-8', 'replace'), r.returncode
            except subprocess.TimeoutExpired as e:
                output = (e.stdout or b'').decode('utf-8', 'replace')
                rc = f'timeout after {COMMAND_TIMEOUT_S} s'
            if verbose:
                print(f'--- {page}:{line}\n$ {cmd}\n{output}', flush=True)
            why = None
            if rc != 0:
                why = f'exit status {rc}'
            else:
                for x in expects:
                    if not re.search(x, output, re.M):
                        why = f'output does not match /{x}/'
                        break
            if why:
                shown = output if len(output) <= 4000 else output[:2000] + '\n[...]\n' + output[-2000:]
                failures.append(f'docs/tour/{page}:{line}: {why}\n$ {cmd}\n{shown}')
                print(f'FAIL docs/tour/{page}:{line}: {why}', flush=True)
        print(f'{page}: {len(cmds)} commands, {time.monotonic() - t0:.1f} s', flush=True)
    return ran, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--until', help='stop after the first page whose file name contains this '
                    '(pages build on the ones before)')
    ap.add_argument('--serve', action='store_true', help='start the servers, print the exports, wait')
    ap.add_argument('--keep', action='store_true', help='keep the temp dir')
    ap.add_argument('-v', '--verbose', action='store_true', help="print every command's output")
    ap.add_argument('--as-shipped', action='store_true',
                    help="keep config/vigil.yml's 15 s scrape interval and start 40 s after the server, as a reader")
    a = ap.parse_args()
    # SIGTERM (ctest, timeout(1)) unwinds like Ctrl-C, so the servers are stopped and the logs shown.
    signal.signal(signal.SIGTERM, _on_sigterm)
    binary = os.environ.get('VIGIL_BINARY') or os.path.join(SOURCE_DIR, 'build', 'release', 'vigil')
    if not os.access(binary, os.X_OK):
        print(f'no vigil binary at {binary} (set VIGIL_BINARY)', file=sys.stderr)
        return 1
    pages = page_order()
    if a.until:
        hits = [i for i, p in enumerate(pages) if a.until in p]
        if not hits:
            print(f'no page matches {a.until!r}: {pages}', file=sys.stderr)
            return 1
        pages = pages[:hits[0] + 1]
    for p in pages:
        commands_of(p)  # a malformed page fails before anything starts
    work = tempfile.mkdtemp(prefix='vigil-tour-')
    servers = Servers(binary, work, fast=not a.as_shipped)
    t0 = time.monotonic()
    try:
        servers.start()
        print(f'servers ready in {time.monotonic() - t0:.1f} s ({work})', flush=True)
        if a.serve:
            print(f'cd {work}\nexport VIGIL={servers.base} CLOUDSIM={servers.sim} '
                  f'SYSLOG_PORT={servers.ports["syslog"]} PATH={os.path.dirname(os.path.abspath(binary))}:$PATH',
                  flush=True)
            try:
                while all(p.poll() is None for _, p, _ in servers.procs):
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
            return 0
        ran, failures = run_tour(servers, pages, a.verbose)
    except Exception as e:
        failures, ran = [f'setup: {e}'], 0
    finally:
        servers.stop()
    elapsed = time.monotonic() - t0
    if failures:
        print('\n\n'.join(['', *failures]), flush=True)
        print('\n' + servers.log_tails(), flush=True)
        print(f'\n{len(failures)} failures, {ran} commands run ({elapsed:.1f} s); temp dir kept: {work}')
        return 1
    print(f'all {ran} commands of {len(pages)} pages passed in {elapsed:.1f} s')
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())

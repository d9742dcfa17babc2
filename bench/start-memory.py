# Runs `npm start` in a checkout on a wiped .data, times each part's readiness line, then (60 s after Ready) reads the
# resident memory of every process it started. Usage: python3 bench/start-memory.py <checkout> <label> (docs/benchmarks.md)
import os, subprocess, sys, time, signal, re, json
repo, label = sys.argv[1], sys.argv[2]
subprocess.run(['rm', '-rf', os.path.join(repo, '.data')])
t0 = time.time()
p = subprocess.Popen(['npm', 'start'], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
marks = {}
for line in p.stdout:
    el = time.time() - t0
    clean = re.sub(r'\x1b\[[0-9;]*m', '', line.rstrip())
    print(f'{el:7.1f}s {clean}', flush=True)
    m = re.match(r'\s*✔\s+(\S+)', clean)
    if m: marks[m.group(1)] = round(el, 1)
    if clean.startswith('Ready'):
        marks['Ready'] = round(el, 1); break
time.sleep(60)
ps = subprocess.run(['ps', '-eo', 'pid,ppid,rss,args', '--no-headers'], capture_output=True, text=True).stdout.splitlines()
procs = {}
for row in ps:
    pid, ppid, rss, args = row.split(None, 3)
    procs[int(pid)] = (int(ppid), int(rss), args)
def descendants(root):
    out = []; stack = [root]
    while stack:
        x = stack.pop()
        for pid, (pp, rss, args) in procs.items():
            if pp == x: out.append(pid); stack.append(pid)
    return out
kinds = [('temporal', r'temporal server'), ('pglite', r'db/embedded\.ts'), ('worker', r'temporal/worker\.ts'), ('api', r'api/server\.ts'), ('web', r'web/build/index\.js'), ('start', r'scripts/start\.ts')]
mem = {}
for pid in descendants(p.pid):
    pp, rss, args = procs[pid]
    for k, pat in kinds:
        if re.search(pat, args) and 'npm' not in args.split()[0]:
            mem[k] = mem.get(k, 0) + rss // 1024
total = sum(mem.values())
print(json.dumps({'label': label, 'node': subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip(), 'ready_s': marks, 'rss_mb': mem, 'total_mb': total}))
os.killpg(p.pid, signal.SIGINT)
try: p.wait(60)
except Exception: os.killpg(p.pid, signal.SIGKILL)

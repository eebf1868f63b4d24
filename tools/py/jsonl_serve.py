"""The request loop of the benchmark references (bench/ref/*.py --serve): one JSON request per
line on stdin, one JSON answer per line on stdout. `handle(req)` returns the answer dict, or None
to stop; an exception becomes {'ok': False, 'error': ...} so the TypeScript side fails with it."""
import json
import sys


def serve(handle):
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        try:
            if req.get('cmd') == 'quit':
                break
            res = handle(req)
            res['ok'] = True
        except Exception as e:  # reported to the caller, which fails with the message
            res = {'ok': False, 'error': f'{type(e).__name__}: {e}'}
        sys.stdout.write(json.dumps(res) + '\n')
        sys.stdout.flush()

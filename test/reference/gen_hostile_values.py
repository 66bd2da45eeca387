"""Writes test/data/hostile/reference-verdicts.json: what numpy and Python themselves accept.

- npy headers: for each header dict text, what ``np.load`` (allow_pickle=False) of a .npy with that
  header does: the shape it reads, or the exception it raises. test/hostile/values-and-sizes.test.ts
  checks facebench's reader against it (facebench is stricter on hex/octal/binary/underscore
  integers and repeated keys, on purpose; the test lists those).
- number tokens: for each token, ``float(token)`` (ijb_11.py's detector scores go through
  ``np.array(strings).astype(np.float32)``, recorded too): the value, or the exception.

Run: /usr/bin/python3 test/reference/gen_hostile_values.py --out test/data/hostile/reference-verdicts.json
"""
import argparse
import io
import json
import math
import sys
import warnings

import numpy as np

HEADERS = [
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3,), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': ( 2 , 3 ), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
    '{"descr": "<f4", "fortran_order": False, "shape": (2, 3)}',
    "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
    "{'descr': 'f4', 'fortran_order': False, 'shape': (2, 3)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0x208, 64.0), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (520e0, 64), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (True, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (6), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 'x', }",
    "{'descr': '<f4', 'shape': (2, 3), }",
    "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (007, 3)}",
    # Accepted by numpy, refused by facebench on purpose (the test lists these as stricter):
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0x2, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0o2, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0b10, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2_0, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (+2, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), 'shape': (2, 3), }",
]

TOKENS = [
    '0x1', '0b1', '0o7', '1e', '1e+', '.', '1..2', '1_', '_1', '1__0', 'Infinity', 'inf', 'nan', '1,5', '\u0663', '',
    '1_0', '.5', '1.', '+1', '-0.25', '1E3', '2.5e-3', '1_000.000_1', '0.7445', '1e300', '-0', '00012', '1e-400',
]


def npy_bytes(header, data_bytes):
    padded = header.ljust(((len(header) + 11 + 63) // 64) * 64 - 11) + '\n'
    return b'\x93NUMPY\x01\x00' + len(padded).to_bytes(2, 'little') + padded.encode('latin1') + b'\0' * data_bytes


def npy_verdict(header):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            a = np.load(io.BytesIO(npy_bytes(header, 24)), allow_pickle=False)
            return {'header': header, 'shape': list(a.shape)}
        except Exception as e:  # noqa: BLE001 - the verdict is the point
            return {'header': header, 'error': type(e).__name__}


def number(x):
    return x if math.isfinite(x) else str(x)


def token_verdict(token):
    out = {'token': token}
    try:
        out['float'] = number(float(token))
    except ValueError:
        out['float'] = None
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            out['float32'] = number(float(np.array([token]).astype(np.float32)[0]))
        except ValueError:
            out['float32'] = None
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--out', required=True)
    args = p.parse_args()
    doc = {
        'generator': 'test/reference/gen_hostile_values.py',
        'python': sys.version.split()[0],
        'numpy': np.__version__,
        'npy_headers': [npy_verdict(h) for h in HEADERS],
        'tokens': [token_verdict(t) for t in TOKENS],
    }
    with open(args.out, 'w') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')


if __name__ == '__main__':
    main()

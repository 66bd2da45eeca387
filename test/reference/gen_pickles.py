#!/usr/bin/python3
"""Generates test/data/pickles/: small insightface-style .bin pickles for the restricted pickle reader.

Valid files hold (bins, issame_list) with 4 "images" and 2 labels in every encoding the reader must
accept; hostile files must be refused without executing anything. Run:
  /usr/bin/python3 test/reference/gen_pickles.py
"""
import collections
import json
import os
import pickle
import pickletools
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'pickles')
os.makedirs(OUT, exist_ok=True)

# Fake "encoded images": a JPEG SOI marker, then bytes covering 0..255 (so a text decoding would
# corrupt them), the second one long enough (300 bytes) for the 4-byte-length opcodes.
IMAGES = [
    b'\xff\xd8\xff\xe0' + bytes(range(256)) + b'\xff\xd9',
    b'\xff\xd8' + bytes((7 * k) % 256 for k in range(300)) + b'\xff\xd9',
    b'\xff\xd8\x00\x80\xfe\xd9',
    b'\xff\xd8' + b'\x00' * 10 + b'\xff\xd9',
]
ISSAME = [True, False]
expected = {'images': [list(b) for b in IMAGES], 'issame': ISSAME, 'files': {}}


def write(name, data, kind, note=''):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(data)
    expected['files'][name] = {'kind': kind, 'note': note}


# bytes, protocols 2 (bytes become _codecs.encode(str, 'latin1')), 3, 4, 5
for p in (2, 3, 4, 5):
    write(f'bytes_p{p}.bin', pickle.dumps((IMAGES, ISSAME), protocol=p), 'valid', f'bytes, protocol {p}')

# numpy uint8 arrays of shape (n, 1), as cv2.imencode returns and build_eval_pack.py pickles them
arrays = [np.frombuffer(b, dtype=np.uint8).reshape(-1, 1) for b in IMAGES]
for p in (2, 3, 4, 5):
    write(f'numpy_p{p}.bin', pickle.dumps((arrays, ISSAME), protocol=p), 'valid', f'numpy uint8 arrays, protocol {p}')

# numpy 2 writes numpy._core.multiarray._reconstruct
p3 = pickle.dumps((arrays, ISSAME), protocol=3)
assert b'cnumpy.core.multiarray\n_reconstruct\n' in p3
write('numpy2_p3.bin', p3.replace(b'cnumpy.core.multiarray\n_reconstruct\n', b'cnumpy._core.multiarray\n_reconstruct\n'),
      'valid', 'numpy 2 module name (numpy._core.multiarray._reconstruct)')


def py2_pickle(images, issame):
    """What Python 2's cPickle.dump((bins, issame_list), f, protocol=2) writes for str images:
    SHORT_BINSTRING (< 256 bytes) or BINSTRING, each memoized with BINPUT; lists as EMPTY_LIST +
    MARK … APPENDS (a batch of one is a plain APPEND); a repeated object is a BINGET."""
    out = bytearray(b'\x80\x02')
    memo = [0]

    def put():
        out.extend(b'q' + bytes([memo[0]]))
        memo[0] += 1
        return memo[0] - 1

    out.extend(b']')
    put()
    out.extend(b'(')
    first_key = None
    for k, b in enumerate(images[:-1]):
        if k == 3 and first_key is not None:
            out.extend(b'h' + bytes([first_key]))
            continue
        if len(b) < 256:
            out.extend(b'U' + bytes([len(b)]) + b)
        else:
            out.extend(b'T' + struct.pack('<i', len(b)) + b)
        key = put()
        if k == 0:
            first_key = key
    out.extend(b'e')
    last = images[-1]
    out.extend(b'U' + bytes([len(last)]) + last)
    put()
    out.extend(b'a')
    out.extend(b']')
    put()
    out.extend(b'(')
    for s in issame:
        out.extend(b'\x88' if s else b'\x89')
    out.extend(b'e')
    out.extend(b'\x86')
    put()
    out.extend(b'.')
    return bytes(out)


py2 = py2_pickle(IMAGES, ISSAME)
loaded = pickle.loads(py2, encoding='bytes')
assert loaded == (IMAGES, ISSAME), loaded
write('py2_str.bin', py2, 'valid', 'Python 2 str images: SHORT_BINSTRING, BINSTRING, BINGET, APPEND')

# A .bin whose image count is not 2 x labels (3 images, 2 labels)
write('count_mismatch.bin', pickle.dumps((IMAGES[:3], ISSAME), protocol=2), 'count-mismatch')
# Truncated
write('truncated.bin', pickle.dumps((IMAGES, ISSAME), protocol=3)[:200], 'truncated')


class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


# Hostile pickles: built with pickle.dumps of objects whose __reduce__ names a dangerous callable;
# nothing is ever unpickled here.
write('hostile_os_system.pkl', pickle.dumps(([Reduce(os.system, ('echo pwned > /tmp/facebench-pwned',))], [True]), protocol=2),
      'hostile', 'REDUCE of os.system (posix.system)')
write('hostile_os_system_p0.pkl', b"cos\nsystem\n(S'echo pwned'\ntR.", 'hostile', "protocol 0 GLOBAL 'os system' + REDUCE")
write('hostile_builtins_eval.pkl', pickle.dumps((Reduce(eval, ('1+1',)), [True]), protocol=4), 'hostile', 'STACK_GLOBAL builtins.eval + REDUCE')
write('hostile_unknown_global.pkl', pickle.dumps((collections.OrderedDict(), [True]), protocol=3), 'hostile', 'collections.OrderedDict')
write('hostile_dict.pkl', pickle.dumps(({'a': 1}, [True]), protocol=3), 'hostile', 'a dict (EMPTY_DICT)')
write('hostile_float_array.pkl', pickle.dumps(([np.zeros(3, np.float32)], [True]), protocol=3), 'hostile', 'numpy float32 array (dtype f4)')
write('hostile_reduce_ndarray.pkl', pickle.dumps((Reduce(np.ndarray, ((2,),)), [True]), protocol=3), 'hostile', 'REDUCE calling numpy.ndarray directly')

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
    f.write('\n')
for name in sorted(expected['files']):
    print(name, os.path.getsize(os.path.join(OUT, name)), expected['files'][name]['kind'])

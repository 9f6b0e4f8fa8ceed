#!/usr/bin/env python3
"""Check Music/soundtrack.ogg: format, length, and a kick on every beat.

    python3 Tools/soundtrack/check.py [Music/soundtrack.ogg]

Asks ffprobe for the stream (44100 Hz, 2 channels, 40.0 s +-0.05), checks that
the decoded stereo signal does not clip, decodes the file to mono float through `ffmpeg -i file -f f32le -ac 1 -`, low-passes it with a
one-pole filter at 150 Hz and, for every beat k = 0..75 (t = k * 0.5 s), asks
that the low-band energy in [t, t+0.05] be at least 4x the energy in
[t+0.25, t+0.3] (the off-beat). Exits non-zero on any failure.
Standard library only.
"""

import json
import math
import subprocess
import sys
from array import array

SR = 44100
DURATION = 40.0
BEATS = 76          # k = 0..75
BEAT = 0.5
RATIO = 4.0


def probe(path):
    out = subprocess.run(['ffprobe', '-v', 'error', '-show_entries',
                          'format=duration:stream=sample_rate,channels,codec_name',
                          '-of', 'json', path], check=True, capture_output=True).stdout
    info = json.loads(out)
    st = info['streams'][0]
    return float(info['format']['duration']), int(st['sample_rate']), int(st['channels']), st['codec_name']


def decode(path, channels):
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, '-f', 'f32le', '-ac', str(channels),
                          '-ar', str(SR), '-'], check=True, capture_output=True).stdout
    x = array('f')
    x.frombytes(raw)
    if sys.byteorder != 'little':
        x.byteswap()
    return x


def energy(y, t0, t1):
    a, b = int(round(t0 * SR)), int(round(t1 * SR))
    return sum(v * v for v in y[a:b])


def main(argv):
    path = argv[1] if len(argv) > 1 else 'Music/soundtrack.ogg'
    failures = []

    duration, rate, channels, codec = probe(path)
    print('%s: %s, %d Hz, %d channels, %.3f s' % (path, codec, rate, channels, duration))
    if abs(duration - DURATION) > 0.05:
        failures.append('duration %.3f s, want %.1f +-0.05' % (duration, DURATION))
    if rate != SR:
        failures.append('sample rate %d, want %d' % (rate, SR))
    if channels != 2:
        failures.append('%d channels, want 2' % channels)

    st = decode(path, 2)
    peak = max(map(abs, st)) if st else 0.0
    print('decoded %d frames (%.3f s), stereo peak %.3f (%.1f dBFS)'
          % (len(st) // 2, len(st) / 2 / SR, peak, 20 * math.log10(peak) if peak else -math.inf))
    if peak >= 1.0:
        failures.append('decoded peak %.3f clips' % peak)
    del st

    x = decode(path, 1)

    a = 1 - math.exp(-2 * math.pi * 150 / SR)
    y = array('f', bytes(4 * len(x)))
    s = 0.0
    for i, v in enumerate(x):
        s += a * (v - s)
        y[i] = s

    ratios = []
    for k in range(BEATS):
        t = k * BEAT
        on = energy(y, t, t + 0.05)
        off = energy(y, t + 0.25, t + 0.30)
        r = on / off if off > 0 else math.inf
        ratios.append(r)
        if not r >= RATIO:
            failures.append('beat %d (%.2f s): on-beat/off-beat low-band energy %.2f < %.1f'
                            % (k, t, r, RATIO))
    worst = min(range(BEATS), key=lambda k: ratios[k])
    print('kick check, beats 0..%d: low-band (150 Hz) energy ratio on-beat/off-beat '
          'min %.1f (beat %d, %.2f s), median %.1f, all >= %.1f: %s'
          % (BEATS - 1, ratios[worst], worst, worst * BEAT,
             sorted(ratios)[BEATS // 2], RATIO, 'yes' if all(r >= RATIO for r in ratios) else 'no'))
    for bar in range(BEATS // 4):
        print('  bar %2d: %s' % (bar, '  '.join('%7.1f' % r for r in ratios[bar * 4:bar * 4 + 4])))

    if failures:
        for f in failures:
            print('FAIL: ' + f)
        return 1
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

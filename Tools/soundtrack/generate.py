#!/usr/bin/env python3
"""Rasterbar soundtrack generator.

Synthesises the original 40-second tune for demo.json (A minor, 120 bpm, 4/4,
20 bars) from nothing but the Python 3 standard library: a sine-sweep kick on
every beat, off-beat hi-hats, snare fills, an off-beat bassline, a detuned saw
pad, a plucked arpeggio and a pulse lead, following the demo's scenes:

    bars  0-4   intro      kick + pad (filter opening)
    bars  4-8   build      + off-beat hats, bass; arpeggio from bar 6, snare fill in bar 7
    bars  8-12  groove     + snare, 16th hats, lead           (Am  F  C  G)
    bars 12-16  variation  other chords, octave bass, new lead (Dm  G  C  E)
    bars 16-20  breakdown  pad + arpeggio, snare roll in bar 18, last hit on 19:0,
                           the chord decays and fades out by 20:0 (40.0 s)

Everything is deterministic (seeded noise, oggenc with a fixed stream serial),
so running it twice gives the same file. Regenerate from the repository root:

    python3 Tools/soundtrack/generate.py Music/soundtrack.ogg

It writes 44100 Hz stereo 16-bit to a temporary WAV, encodes it with
`oggenc -q 4` (or `ffmpeg -c:a libvorbis` when oggenc is missing) to a temporary
file next to the output, renames that into place and removes the WAV.
Tools/soundtrack/check.py verifies the result.
"""

import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from array import array
from itertools import repeat
from operator import add, mul

SR = 44100
BPM = 120
BEAT = 60.0 / BPM          # 0.5 s
BAR = 4 * BEAT             # 2.0 s
STEP = BEAT / 4            # a sixteenth, 0.125 s
BARS = 20
N = int(round(BARS * BAR * SR))   # 1 764 000 frames = 40.0 s
PEAK = 10 ** (-1 / 20)            # -1 dBFS

TWO_PI = 2 * math.pi


def sec(t):
    return int(round(t * SR))


def at(bar, step=0.0):
    """Sample index of a 16th step inside a bar (bars counted from 0)."""
    return sec(bar * BAR + step * STEP)


def mtof(m):
    return 440.0 * 2 ** ((m - 69) / 12)


def zeros(n):
    return array('d', bytes(8 * n))


def scaled(buf, g):
    return array('d', map(mul, buf, repeat(g)))


def times(a, b):
    return array('d', map(mul, a, b))


def add_into(dst, start, src, gain=1.0):
    """dst[start:] += gain * src, clipped to the buffer (C-level map, no Python loop)."""
    if start >= len(dst):
        return
    if start < 0:
        src = src[-start:]
        start = 0
    end = min(len(dst), start + len(src))
    part = src[:end - start]
    if gain != 1.0:
        part = scaled(part, gain)
    dst[start:end] = array('d', map(add, dst[start:end], part))


class Stereo:
    def __init__(self, n=N):
        self.l = zeros(n)
        self.r = zeros(n)

    def put(self, start, buf, gain=1.0, pan=0.0):
        """Mono buf at pan -1..1 (constant power)."""
        a = (pan + 1) * math.pi / 4
        add_into(self.l, start, buf, gain * math.cos(a) * math.sqrt(2))
        add_into(self.r, start, buf, gain * math.sin(a) * math.sqrt(2))

    def put2(self, start, l, r, gain=1.0):
        add_into(self.l, start, l, gain)
        add_into(self.r, start, r, gain)


# ---------------------------------------------------------------- tables ---

TAB = 4096
MASK = TAB - 1
SINE = array('d', (math.sin(TWO_PI * i / TAB) for i in range(TAB)))
_tables = {}


def table(shape, harmonics):
    """Band-limited single-cycle wavetable, built from SINE by integer indexing."""
    key = (shape, harmonics)
    if key in _tables:
        return _tables[key]
    t = zeros(TAB)
    for h in range(1, harmonics + 1):
        if shape == 'saw':
            a = 1.0 / h
        elif shape == 'square':
            a = 1.0 / h if h % 2 else 0.0
        elif shape == 'soft':          # darker, for plucks
            a = 1.0 / (h * h)
        else:
            raise ValueError(shape)
        if a:
            idx = [(h * i) & MASK for i in range(TAB)]
            t = array('d', map(add, t, (a * SINE[j] for j in idx)))
    top = max(map(abs, t))
    _tables[key] = scaled(t, 1.0 / top)
    return _tables[key]


def wt(shape, f, cap):
    return table(shape, max(1, min(cap, int(15000 / f))))


def osc(tab, f, n, phase=0.0):
    inc = f * TAB / SR
    p0 = phase * TAB
    return array('d', [tab[int(p0 + i * inc) & MASK] for i in range(n)])


_decays = {}


def decay(tau, n):
    key = (tau, n)
    if key not in _decays:
        k = math.exp(-1.0 / (tau * SR))
        _decays[key] = array('d', (k ** i for i in range(n)))
    return _decays[key]


def adsr(n, attack, dec, sustain, release):
    """Envelope for a note held n samples, followed by an exponential-ish release."""
    a = max(1, sec(attack))
    r = max(1, sec(release))
    out = array('d')
    d_tau = max(dec, 1e-4) * SR
    for i in range(n):
        if i < a:
            out.append(i / a)
        else:
            out.append(sustain + (1 - sustain) * math.exp(-(i - a) / d_tau))
    last = out[-1] if n else 0.0
    out.extend(last * (1 - i / r) ** 2 for i in range(r))
    return out


def onepole_lp(buf, fc):
    a = 1 - math.exp(-TWO_PI * fc / SR)
    y = 0.0
    out = array('d', bytes(8 * len(buf)))
    for i, x in enumerate(buf):
        y += a * (x - y)
        out[i] = y
    return out


def highpass(buf, fc):
    return array('d', map(lambda x, y: x - y, buf, onepole_lp(buf, fc)))


def fade_edges(buf, fin=0.001, fout=0.01):
    a = sec(fin)
    b = sec(fout)
    for i in range(min(a, len(buf))):
        buf[i] *= i / a
    n = len(buf)
    for i in range(min(b, n)):
        buf[n - 1 - i] *= i / b
    return buf


# ----------------------------------------------------------------- drums ---

rng = random.Random(0x5EED_2024)


def noise(n):
    u = rng.random
    return array('d', (1.732 * (u() - 0.5) for _ in range(n)))   # uniform, sigma 0.5


def make_kick():
    n = sec(0.40)
    out = array('d')
    ph = 0.0
    sat = math.tanh(1.8)
    for i in range(n):
        t = i / SR
        f = 45.0 + 105.0 * math.exp(-t / 0.032)       # 150 Hz -> 45 Hz
        ph += TWO_PI * f / SR
        env = math.exp(-t / 0.095)
        if t < 0.0015:
            env *= t / 0.0015
        out.append(math.tanh(1.8 * math.sin(ph) * env) / sat)
    click = highpass(times(noise(sec(0.006)), decay(0.0015, sec(0.006))), 2500)
    add_into(out, 0, click, 0.35)
    return fade_edges(out, 0.0, 0.03)


def make_snare():
    n = sec(0.26)
    body = array('d')
    ph = 0.0
    for i in range(n):
        t = i / SR
        ph += TWO_PI * (185 + 60 * math.exp(-t / 0.02)) / SR
        body.append(math.sin(ph) * math.exp(-t / 0.045))
    nz = highpass(noise(n), 900)
    nz = onepole_lp(nz, 9000)
    nz = times(nz, decay(0.075, n))
    out = array('d', map(lambda b, z: 0.45 * b + 1.6 * z, body, nz))
    return fade_edges(out, 0.0005, 0.03)


def make_hat(length, tau):
    n = sec(length)
    nz = highpass(highpass(noise(n), 6000), 6000)
    return fade_edges(times(nz, decay(tau, n)), 0.0005, 0.01)


def make_crash(length=2.0):
    n = sec(length)
    env = decay(0.55, n)
    l = onepole_lp(highpass(noise(n), 3500), 11000)
    r = onepole_lp(highpass(noise(n), 3500), 11000)
    return fade_edges(times(l, env), 0.001, 0.2), fade_edges(times(r, env), 0.001, 0.2)


def make_riser(length):
    """Noise swell with a rising low-pass, for the last bar before a section."""
    n = sec(length)
    src = highpass(noise(n), 800)
    out = array('d', bytes(8 * n))
    y = 0.0
    for i, x in enumerate(src):
        u = i / n
        a = 1 - math.exp(-TWO_PI * (500 + 9000 * u * u) / SR)
        y += a * (x - y)
        out[i] = y * u * u
    return fade_edges(out, 0.01, 0.01)


# ----------------------------------------------------------------- synths ---

_bass_cache = {}


def bass_note(m, length):
    key = (m, length)
    if key in _bass_cache:
        return _bass_cache[key]
    n = sec(length)
    f = mtof(m)
    raw = osc(wt('saw', f, 40), f, n + sec(0.02))
    env = adsr(n, 0.004, 0.09, 0.55, 0.02)
    raw = raw[:len(env)]
    # envelope-swept one-pole low-pass (two stages), a plucky acid-free bass
    out = array('d', bytes(8 * len(raw)))
    y1 = y2 = 0.0
    for i, x in enumerate(raw):
        fc = 350 + 2200 * math.exp(-i / (0.05 * SR))
        a = 1 - math.exp(-TWO_PI * fc / SR)
        y1 += a * (x - y1)
        y2 += a * (y1 - y2)
        out[i] = y2 * env[i]
    _bass_cache[key] = out
    return out


_pad_cache = {}


def pad_chord(notes, length, release=0.5, attack=0.18):
    """Detuned saws, three voices a note, spread left/centre/right."""
    key = (tuple(notes), length, release, attack)
    if key in _pad_cache:
        return _pad_cache[key]
    n = sec(length)
    env = adsr(n, attack, 0.6, 0.8, release)
    total = len(env)
    l = zeros(total)
    r = zeros(total)
    for m in notes:
        f = mtof(m)
        for cents, gl, gr in ((-9, 1.0, 0.25), (0, 0.6, 0.6), (+9, 0.25, 1.0)):
            ff = f * 2 ** (cents / 1200)
            v = osc(wt('saw', ff, 30), ff, total, rng.random())
            add_into(l, 0, v, gl)
            add_into(r, 0, v, gr)
    g = 1.0 / len(notes)
    res = (times(scaled(l, g), env), times(scaled(r, g), env))
    _pad_cache[key] = res
    return res


_pluck_cache = {}


def pluck(m, length=0.22):
    if m in _pluck_cache:
        return _pluck_cache[m]
    n = sec(length)
    f = mtof(m)
    v = osc(wt('soft', f, 12), f, n)
    v2 = osc(wt('square', f * 2, 6), f * 2, n)
    out = array('d', map(lambda a, b, e: (a + 0.25 * b) * e, v, v2, decay(0.07, n)))
    _pluck_cache[m] = fade_edges(out, 0.001, 0.02)
    return _pluck_cache[m]


def lead_note(m, length, vib_depth=0.18):
    """Pulse + detuned saw with delayed vibrato."""
    n = sec(length)
    f = mtof(m)
    env = adsr(n, 0.008, 0.12, 0.7, 0.07)
    total = len(env)
    t1 = wt('square', f, 40)
    t2 = wt('saw', f, 40)
    out = array('d', bytes(8 * total))
    p1 = p2 = 0.0
    k = TAB / SR
    det = 2 ** (7 / 1200)
    for i in range(total):
        t = i / SR
        depth = vib_depth * min(1.0, max(0.0, (t - 0.18) / 0.25))
        ff = f * (2 ** (depth * math.sin(TWO_PI * 5.5 * t) / 12))
        p1 += ff * k
        p2 += ff * det * k
        out[i] = (0.7 * t1[int(p1) & MASK] + 0.45 * t2[int(p2) & MASK]) * env[i]
    return onepole_lp(out, 3800)


def pingpong(src_l, src_r, delay_s, fb, wet):
    """Stereo ping-pong echo, added onto the source buffers' copies."""
    d = sec(delay_s)
    mono = array('d', map(lambda a, b: 0.5 * (a + b), src_l, src_r))
    out_l = array('d', src_l)
    out_r = array('d', src_r)
    g = wet
    shift = d
    for tap in range(6):
        dst = out_r if tap % 2 == 0 else out_l
        add_into(dst, shift, mono[:N - shift], g)
        g *= fb
        shift += d
        if shift >= N or g < 0.01:
            break
    return out_l, out_r


# ------------------------------------------------------------------ score ---

CHORDS = {
    'Am': [57, 60, 64, 69],
    'F':  [53, 57, 60, 65],
    'C':  [55, 60, 64, 67],
    'G':  [55, 59, 62, 67],
    'Dm': [57, 62, 65, 69],
    'E':  [56, 59, 64, 68],
}
ROOT = {'Am': 45, 'F': 41, 'C': 48, 'G': 43, 'Dm': 38, 'E': 40}

PROGRESSION = (['Am', 'F', 'C', 'G'] * 3 +          # bars 0-11
               ['Dm', 'G', 'C', 'E'] +               # bars 12-15
               ['F', 'G', 'E', 'Am'])                # bars 16-19

# bass patterns: (16th step, length in steps, semitones above the root);
# nothing starts on a beat, so the kick owns the low end there
BASS_BUILD = [(2, 1.6, 0), (6, 1.6, 0), (10, 1.6, 0), (14, 1.6, 0)]
BASS_GROOVE = [(2, 1.6, 0), (6, 0.9, 0), (7, 0.8, 12), (10, 1.6, 0), (14, 0.9, 0), (15, 0.8, 7)]
BASS_VAR = [(2, 0.9, 0), (3, 0.8, 12), (6, 0.9, 0), (7, 0.8, 12),
            (10, 0.9, 0), (11, 0.8, 12), (14, 0.9, 0), (15, 0.8, 10)]

A4, B4, C5, D5, E5, F5, G5 = 69, 71, 72, 74, 76, 77, 79
F4, G4, Gs4, Gs5, A5 = 65, 67, 68, 80, 81

# lead: (bar offset, 16th step, length in steps, midi)
LEAD_A = [
    (0, 0, 2, A4), (0, 2, 2, C5), (0, 4, 3, E5), (0, 7, 1, D5), (0, 8, 4, C5), (0, 12, 2, B4), (0, 14, 2, C5),
    (1, 0, 6, A4), (1, 6, 2, F4), (1, 8, 2, A4), (1, 10, 2, C5), (1, 12, 4, F5),
    (2, 0, 3, E5), (2, 3, 3, D5), (2, 6, 2, C5), (2, 8, 4, G4), (2, 12, 2, C5), (2, 14, 2, E5),
    (3, 0, 4, D5), (3, 4, 2, B4), (3, 6, 2, G4), (3, 8, 6, D5), (3, 14, 1, C5), (3, 15, 1, B4),
]
LEAD_B = [
    (0, 0, 2, F5), (0, 2, 2, E5), (0, 4, 4, D5), (0, 8, 2, A4), (0, 10, 2, D5), (0, 12, 4, F5),
    (1, 0, 3, G5), (1, 3, 3, F5), (1, 6, 2, D5), (1, 8, 4, B4), (1, 12, 4, D5),
    (2, 0, 2, E5), (2, 2, 2, G5), (2, 4, 4, E5), (2, 8, 2, C5), (2, 10, 2, D5), (2, 12, 4, E5),
    (3, 0, 4, Gs5), (3, 4, 2, E5), (3, 6, 2, B4), (3, 8, 4, Gs4), (3, 12, 2, B4), (3, 14, 2, D5),
]

ARP_ORDER = [0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1, 2, 3]


def render():
    drums = Stereo()
    pads = Stereo()       # pad + arpeggio, filtered and side-chained
    bass = Stereo()       # side-chained, not high-passed
    lead = Stereo()
    fx = Stereo()

    kick = make_kick()
    snare = make_snare()
    hats_c = [make_hat(0.07, 0.016) for _ in range(4)]
    hats_o = [make_hat(0.22, 0.065) for _ in range(3)]
    crash = make_crash()

    # ---- kick: every beat from 0:0 to 18:3, and the last hit on 19:0
    for k in range(BARS * 4 - 3):
        drums.put(sec(k * BEAT), kick, 1.0)

    # ---- crashes on section starts and the last hit
    for bar, g in ((4, 0.10), (8, 0.16), (12, 0.16), (19, 0.2)):
        drums.put2(at(bar), crash[0], crash[1], g)

    # ---- hats
    h = 0
    for bar in range(4, 19):
        quiet = 16 <= bar < 18
        for step in range(16):
            if step % 4 == 2:                          # open hat on every off-beat
                g = 0.09 if quiet else (0.10 + 0.04 * (bar - 4) / 3 if bar < 8 else 0.15)
                drums.put(at(bar, step), hats_o[h % 3], g, 0.25)
            elif not quiet and step % 2 == 1 and (bar >= 6):
                g = (0.07 if step % 4 == 3 else 0.05) * (0.7 if bar < 8 else 1.0)
                if bar == 18:
                    g *= 0.4 + 0.6 * step / 15
                drums.put(at(bar, step), hats_c[h % 4], g, -0.3)
            elif not quiet and step % 4 == 0 and bar >= 8:
                drums.put(at(bar, step), hats_c[h % 4], 0.035, -0.3)
            h += 1

    # ---- snare: fill in bar 7, backbeat in the groove, roll in bar 18
    for step, g in ((4, 0.22), (10, 0.18), (12, 0.26), (13, 0.18), (14, 0.32), (15, 0.4)):
        drums.put(at(7, step), snare, g, 0.1)
    for bar in range(8, 16):
        for step in (4, 12):
            drums.put(at(bar, step), snare, 0.36, 0.1)
        if bar % 4 == 3:                               # a pickup into each next section
            drums.put(at(bar, 14), snare, 0.15, 0.1)
            drums.put(at(bar, 15), snare, 0.22, 0.1)
    for i in range(20):                                # 16ths, then 32nds in the last beat
        s = i if i < 12 else 12 + (i - 12) / 2
        drums.put(at(18, s), snare, 0.07 + 0.3 * (s / 15.5) ** 1.5, 0.1)

    # ---- noise risers into the groove and into the last hit
    fx.put(at(7), make_riser(BAR), 0.22, 0.0)
    fx.put(at(18), make_riser(BAR), 0.20, 0.0)

    # ---- pad: a chord a bar; the last one rings from 19:0 to the end
    for bar, name in enumerate(PROGRESSION):
        notes = CHORDS[name]
        if bar == 19:
            l, r = pad_chord(notes + [76, 81], BAR * 0.6, release=0.8, attack=0.004)
            pads.put2(at(bar), l, r, 0.34)
            continue
        g = 0.24 if bar < 8 or bar >= 16 else 0.17
        l, r = pad_chord(notes, BAR)
        pads.put2(at(bar), l, r, g)

    # ---- arpeggio with a dotted-eighth ping-pong echo
    arp = Stereo()
    for bar in range(6, 19):
        name = PROGRESSION[bar]
        tones = CHORDS[name] + [m + 12 for m in CHORDS[name]]
        g = 0.15 if bar < 8 else 0.08 if bar < 16 else 0.19
        for step in range(16):
            arp.put(at(bar, step), pluck(tones[ARP_ORDER[step]] + 12), g, -0.4 if step % 2 else 0.4)
    al, ar = pingpong(arp.l, arp.r, 3 * STEP, 0.45, 0.45)
    add_into(pads.l, 0, al)
    add_into(pads.r, 0, ar)

    # ---- pad bus filter: low-pass opens over the intro, dips in the breakdown;
    #      a gentle high-pass keeps the pad out of the kick's band
    def cutoff(t):
        b = t / BAR
        if b < 4:
            return 250 + 3600 * (b / 4) ** 2
        if 16 <= b < 18.5:
            return 1100 + 2700 * max(0.0, b - 16.5) / 2.0 + 2700 * max(0.0, 16.5 - b) * 2
        return 3800
    hold = sec(0.002)
    coef = array('d')
    for j in range(0, N, hold):
        coef.extend(repeat(1 - math.exp(-TWO_PI * cutoff(j / SR) / SR), min(hold, N - j)))
    hp_a = 1 - math.exp(-TWO_PI * 180 / SR)
    for ch in (pads.l, pads.r):
        y = z = 0.0
        for i, x in enumerate(ch):
            y += coef[i] * (x - y)
            z += hp_a * (y - z)
            ch[i] = y - z

    # ---- bass: off-beats only, bars 4-15 and 18
    for bar in list(range(4, 16)) + [18]:
        name = PROGRESSION[bar]
        pattern = BASS_BUILD if bar < 8 or bar == 18 else BASS_GROOVE if bar < 12 else BASS_VAR
        for step, length, off in pattern:
            bass.put(at(bar, step), bass_note(ROOT[name] + off, length * STEP), 0.40, 0.0)

    # ---- lead, bars 8-15, and a long high A over the last chord
    for base, phrase in ((8, LEAD_A), (12, LEAD_B)):
        for boff, step, length, m in phrase:
            lead.put(at(base + boff, step), lead_note(m, length * STEP * 0.92), 0.19, 0.05)
    lead.put(at(19), lead_note(A5, 0.9, 0.12), 0.10, 0.0)
    ll, lr = pingpong(lead.l, lead.r, 3 * STEP, 0.4, 0.32)

    # ---- side-chain: pad, arpeggio and bass dip under every kick
    beat = sec(BEAT)
    duck_beat = array('d', (1 - 0.55 * math.exp(-i / (0.075 * SR)) for i in range(beat)))
    duck = array('d')
    for k in range(BARS * 4):
        if k < BARS * 4 - 3:
            duck.extend(duck_beat)
        else:
            duck.extend(repeat(1.0, beat))
    duck = duck[:N]
    duck.extend(repeat(1.0, N - len(duck)))

    out_l = zeros(N)
    out_r = zeros(N)
    for src_l, src_r, g, dk in ((drums.l, drums.r, 1.0, False),
                                (pads.l, pads.r, 1.0, True),
                                (bass.l, bass.r, 1.0, True),
                                (ll, lr, 1.0, False),
                                (fx.l, fx.r, 1.0, False)):
        if dk:
            src_l = times(src_l, duck)
            src_r = times(src_r, duck)
        add_into(out_l, 0, src_l, g)
        add_into(out_r, 0, src_r, g)

    # ---- tail: fade inside the last bar only (19:0.. 20:0), to silence at 40.0 s
    f0 = at(19, 4)
    for i in range(f0, N):
        u = (i - f0) / (N - f0)
        g = (1 - u) ** 2
        out_l[i] *= g
        out_r[i] *= g
    return out_l, out_r


def write_wav(path, l, r):
    peak = max(max(map(abs, l)), max(map(abs, r)))
    g = PEAK * 32767 / peak
    inter = array('h', bytes(4 * N))
    inter[0::2] = array('h', (int(round(x * g)) for x in l))
    inter[1::2] = array('h', (int(round(x * g)) for x in r))
    if sys.byteorder != 'little':
        inter.byteswap()
    with wave.open(path, 'wb') as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(inter.tobytes())
    return peak


def encode(wav, ogg):
    if shutil.which('oggenc'):
        cmd = ['oggenc', '-Q', '-q', '4', '-s', '20240', '-o', ogg, wav]
    elif shutil.which('ffmpeg'):
        cmd = ['ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-i', wav,
               '-c:a', 'libvorbis', '-q:a', '4', '-fflags', '+bitexact',
               '-flags:a', '+bitexact', '-map_metadata', '-1', '-f', 'ogg', ogg]
    else:
        sys.exit('generate.py: neither oggenc nor ffmpeg is installed')
    subprocess.run(cmd, check=True)


def main(argv):
    if len(argv) != 2:
        sys.exit('usage: python3 Tools/soundtrack/generate.py Music/soundtrack.ogg')
    out = os.path.abspath(argv[1])
    outdir = os.path.dirname(out)
    os.makedirs(outdir, exist_ok=True)
    t0 = time.time()
    l, r = render()
    t1 = time.time()
    fd, wav = tempfile.mkstemp(prefix='soundtrack-', suffix='.wav')
    os.close(fd)
    fd, tmp = tempfile.mkstemp(prefix='.soundtrack-', suffix='.ogg.tmp', dir=outdir)
    os.close(fd)
    try:
        peak = write_wav(wav, l, r)
        encode(wav, tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    finally:
        for p in (wav, tmp):
            if os.path.exists(p):
                os.remove(p)
    print('%s: %.1f s, %d Hz stereo, synth %.1f s, total %.1f s (mix peak %.3f -> -1 dBFS)'
          % (argv[1], N / SR, SR, t1 - t0, time.time() - t0, peak))


if __name__ == '__main__':
    main(sys.argv)

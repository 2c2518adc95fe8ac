"""The demo's concepts rendered: one clip's description, frames and sound.

What :func:`~skmmlc.datasets.make_disaster_demo` (``_demo``) writes for a clip,
given which concepts show in which of its modalities (its cues) and the
clip's random generator: :func:`_make_text`, :func:`_make_frames` and
:func:`_make_audio`, in that module's table of cues. The draws and their order
are the generator's (``_GENERATOR_VERSION`` in ``_demo``): a change here
changes every demo's files.
"""

import numpy as np

# The seven concepts of the paper's Table I, in its order; the indices name
# the columns of the label matrix and of the cue arrays.
LABELS = [
    "Demo",
    "Emergency Response",
    "Flood/Storm",
    "Human Relief",
    "Damage",
    "Victim",
    "Speak/Briefing/Interview",
]
DEMO, ER, FLOOD, RELIEF, DAMAGE, VICTIM, SPEAK = range(7)

_OPENERS = ["Video from {}", "Footage from {}", "News report from {}", "Scene in {}",
            "Clip recorded in {}", "Live coverage from {}", "Amateur video from {}"]
_PLACES = ["Houston", "Miami", "Florida", "Texas", "the Keys", "Naples", "Port Arthur",
           "Tampa", "the city", "a small town", "the coast", "downtown", "Beaumont"]
_WHEN = ["on Sunday", "this morning", "after the hurricane", "on Monday", "late at night",
         "yesterday", "during the hurricane", "", "", ""]
_FILLERS = ["Local news.", "Camera footage.", "More details soon.", "View from the street.",
            "Update from our team.", "", "", ""]
_PHRASES = {
    DEMO: ["protesters march through the streets", "a crowd rallies outside city hall",
           "demonstrators chant and hold signs", "activists protest the government response",
           "people gather for a demonstration", "marchers carry banners"],
    ER: ["rescue crews pull people from cars", "firefighters respond to the scene",
         "police and paramedics arrive", "an ambulance rushes past",
         "emergency workers search homes", "the coast guard rescues families by helicopter",
         "national guard trucks arrive"],
    FLOOD: ["streets are flooded", "water rises in homes", "floodwaters cover the highway",
            "neighborhoods are inundated", "storm surge pushes water inland",
            "heavy rain floods the roads", "cars submerged under water",
            "strong winds and rain hit the coast"],
    RELIEF: ["volunteers hand out food and water", "donations arrive at the shelter",
             "aid workers distribute supplies", "relief trucks bring meals and blankets",
             "families receive help at a shelter", "people donate clothes and food"],
    DAMAGE: ["homes are badly damaged", "debris covers the street", "roofs torn off houses",
             "buildings collapsed", "trees and power lines down",
             "destroyed homes and broken windows", "wreckage everywhere"],
    VICTIM: ["injured people are treated", "survivors wait for help",
             "residents trapped in their homes", "stranded families wave for help",
             "several people were killed", "victims are still missing"],
    SPEAK: ["the governor speaks at a press conference", "officials give a briefing",
            "the mayor told reporters", "a resident talks in an interview",
            "a spokesman explains the plan", "a reporter interviews a man",
            "officials said the situation is improving"],
}
# Misleading mentions in negative clips ("no flooding reported").
_NEGATED = {DEMO: "protests", ER: "rescues", FLOOD: "flooding", RELIEF: "aid",
            DAMAGE: "damage", VICTIM: "injuries", SPEAK: "statement"}

def _make_text(text_cues, rng):
    """One description: a generic opener, then a phrase per cued concept."""
    place = _PLACES[rng.integers(len(_PLACES))]
    when = _WHEN[rng.integers(len(_WHEN))]
    opener = _OPENERS[rng.integers(len(_OPENERS))].format(place)
    sentences = [" ".join(p for p in (opener, when) if p) + "."]
    phrases = []
    for j in rng.permutation(np.flatnonzero(text_cues)):
        options = _PHRASES[j]
        phrases.append(options[rng.integers(len(options))])
        if rng.random() < 0.3:  # a second phrase, other synonyms
            phrases.append(options[rng.integers(len(options))])
    if rng.random() < 0.1:
        phrases.append(f"no {_NEGATED[rng.integers(len(LABELS))]} reported")
    phrases = list(dict.fromkeys(phrases))
    if phrases:
        body = ", ".join(phrases[:-1]) + (" and " if len(phrases) > 1 else "") + phrases[-1]
        sentences.append(body[0].upper() + body[1:] + ".")
    filler = _FILLERS[rng.integers(len(_FILLERS))]
    if filler:
        sentences.append(filler)
    return " ".join(sentences)

# ---------------------------------------------------------------------- frames

_SKIES = np.array([[0.75, 0.75, 0.78], [0.45, 0.47, 0.5], [0.85, 0.7, 0.55],
                   [0.6, 0.7, 0.85], [0.9, 0.9, 0.88]])
_GROUNDS = np.array([[0.3, 0.5, 0.25], [0.65, 0.55, 0.4], [0.35, 0.35, 0.35],
                     [0.5, 0.45, 0.3]])

class _Canvas:
    """The frames of one clip being painted, with their time and pixel grids.

    ``frames`` (T, H, W, 3) float32 in [0, 1]; ``t`` (T, 1, 1) seconds;
    ``yy``, ``xx`` (H, W) pixel rows and columns.
    """

    def __init__(self, frames, t, yy, xx):
        self.frames, self.t, self.yy, self.xx = frames, t, yy, xx
        self.T, self.H, self.W = frames.shape[:3]

    def blend(self, mask, color, alpha):
        """Paint ``color`` ((3,) or (T, H, W, 3)) where ``mask`` ((T or 1, H, W)) is on."""
        rows = np.flatnonzero(mask.any(axis=(0, 2)))
        if rows.size == 0:
            return
        part = slice(rows[0], rows[-1] + 1)
        m = (np.float32(alpha) * mask[:, part])[..., None].astype(np.float32)
        color = np.asarray(color, dtype=np.float32)
        if color.ndim == 4:
            color = color[:, part]
        target = self.frames[:, part]
        target += m * (color - target)


def _make_frames(visual_cues, n_frames, fps, width, height, rng):
    """RGB uint8 frames (n_frames, height, width, 3) with the cued concepts.

    A panning background, then one painter per cued concept (in a fixed
    order: each draws from ``rng`` in turn), then camera gain and noise.
    """
    t = (np.arange(n_frames, dtype=np.float32) / fps)[:, None, None]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    canvas = _Canvas(_background(n_frames, height, width, t, rng), t, yy, xx)
    strength = rng.uniform(0.7, 1.0, len(LABELS))
    for concept, paint in _PAINTERS:
        if visual_cues[concept]:
            paint(canvas, strength[concept], rng)
    return _camera(canvas.frames, rng)


def _background(T, H, W, t, rng):
    """Sky, ground and a few buildings, panning slowly: (T, H, W, 3) float32."""
    horizon = int(H * rng.uniform(0.35, 0.55))
    base = np.empty((H, W, 3), np.float32)
    base[:horizon] = _SKIES[rng.integers(len(_SKIES))]
    base[horizon:] = _GROUNDS[rng.integers(len(_GROUNDS))]
    for _ in range(rng.integers(2, 5)):
        x0 = rng.integers(0, W - W // 5)
        w = rng.integers(W // 8, W // 3)
        top = rng.integers(H // 6, horizon + 1)
        base[top:horizon + H // 10, x0:x0 + w] = rng.uniform(0.3, 0.7) * rng.uniform(0.8, 1.2, 3)
    pan = rng.uniform(-6, 6)  # pixels per second
    return np.stack([np.roll(base, int(round(pan * s)), axis=1) for s in t[:, 0, 0]])


def _paint_damage(c, strength, rng):
    """Grey-brown blocky debris texture in the middle, shaking with the camera."""
    H, W = c.H, c.W
    top, bottom = int(H * rng.uniform(0.15, 0.3)), int(H * rng.uniform(0.6, 0.75))
    left = rng.integers(0, W // 4)
    right = W - rng.integers(0, W // 4)
    block = 6
    tex = rng.uniform(0.5, 1.4, (H // block + 1, W // block + 1))
    tex = np.kron(tex, np.ones((block, block)))[:H, :W]
    debris = np.clip(tex[..., None] * np.array([0.45, 0.38, 0.3]), 0, 1)
    mask = np.zeros((H, W), np.float32)
    mask[top:bottom, left:right] = 1
    shake = rng.integers(-2, 3, size=c.T)
    moving = np.stack([np.roll(debris, s, axis=0) for s in shake])
    c.blend(mask[None], moving, strength)


def _paint_flood(c, strength, rng):
    """Blue water with moving waves over the lower part."""
    level = c.H * rng.uniform(0.4, 0.6)
    waves = np.float32(0.1) * np.sin(np.float32(2 * np.pi) * (c.yy / 7 - 1.2 * c.t) + c.xx / 15)
    water = np.array([0.15, 0.35, 0.7], np.float32) + waves[..., None]
    c.blend((c.yy >= level)[None].astype(np.float32), water, strength)


def _paint_relief(c, strength, rng):
    """Big white boxes with a green or red stripe in the lower half."""
    H, W = c.H, c.W
    for _ in range(rng.integers(2, 5)):
        bw, bh = rng.integers(W // 6, W // 4), rng.integers(H // 6, H // 4)
        x0, y0 = rng.integers(0, W - bw), rng.integers(H // 2, H - bh)
        mask = np.zeros((H, W), np.float32)
        mask[y0:y0 + bh, x0:x0 + bw] = 1
        c.blend(mask[None], np.array([0.93, 0.93, 0.9]), strength)
        stripe = np.zeros((H, W), np.float32)
        stripe[y0 + bh // 3:y0 + bh // 3 + max(bh // 5, 2), x0:x0 + bw] = 1
        color = [[0.1, 0.6, 0.2], [0.8, 0.1, 0.1]][rng.integers(2)]
        c.blend(stripe[None], np.array(color), strength)


def _paint_demo(c, strength, rng):
    """A dark crowd band swaying at the bottom, yellow signs bobbing above it."""
    T, H, W, t = c.T, c.H, c.W, c.t
    crowd = np.kron(rng.uniform(0.1, 0.3, (H // 4 + 1, W // 4 + 1)), np.ones((4, 4)))[:H, :W]
    crowd_mask = (c.yy >= H * 0.72).astype(np.float32)
    crowd_frames = np.stack([np.roll(crowd, int(2 * np.sin(4 * s)), axis=1)
                             for s in t[:, 0, 0]])
    c.blend(crowd_mask[None], crowd_frames[..., None] * np.ones(3), strength)
    signs = np.zeros((T, H, W), np.float32)
    sw, sh = max(W // 10, 2), max(H // 8, 2)
    for _ in range(rng.integers(5, 10)):
        x0 = rng.integers(0, W - sw)
        y0 = rng.uniform(0.5, 0.65) * H
        phase, rate = rng.uniform(0, 2 * np.pi), rng.uniform(1.5, 2.5)
        for k in range(T):
            y = int(y0 + 0.05 * H * np.sin(2 * np.pi * rate * t[k, 0, 0] + phase))
            signs[k, y:y + sh, x0:x0 + sw] = 1
    c.blend(signs, np.array([0.95, 0.85, 0.2]), strength)


def _paint_victim(c, strength, rng):
    """A pale stretcher with a head (a weak cue: painted at 60 %)."""
    H, W, yy, xx = c.H, c.W, c.yy, c.xx
    cx, cy = W * rng.uniform(0.3, 0.7), H * rng.uniform(0.65, 0.8)
    bar = (np.abs(xx - cx) < W * 0.22) & (np.abs(yy - cy) < H * 0.05)
    c.blend(bar[None].astype(np.float32), np.array([0.92, 0.92, 0.96]), 0.6 * strength)
    head = ((xx - (cx - W * 0.18)) / (W * 0.05)) ** 2 + ((yy - cy) / (H * 0.06)) ** 2 < 1
    c.blend(head[None].astype(np.float32), np.array([0.85, 0.65, 0.5]), 0.6 * strength)


def _paint_speak(c, strength, rng):
    """A talking head: backdrop, skin-toned oval and a mouth opening 4 times a second."""
    H, W, yy, xx = c.H, c.W, c.yy, c.xx
    cx, cy = W * rng.uniform(0.4, 0.6), H * rng.uniform(0.4, 0.5)
    backdrop = (np.abs(xx - cx) < W * 0.3) & (yy < H * 0.85)
    c.blend(backdrop[None].astype(np.float32), np.array([0.35, 0.15, 0.2]), strength)
    face = ((xx - cx) / (W * 0.13)) ** 2 + ((yy - cy) / (H * 0.22)) ** 2 < 1
    c.blend(face[None].astype(np.float32), np.array([0.87, 0.68, 0.55]), strength)
    opening = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * c.t + rng.uniform(0, 2 * np.pi))
    mouth = (((xx - cx) / (W * 0.05)) ** 2
             + ((yy - (cy + H * 0.11)) / (H * 0.005 + H * 0.035 * opening)) ** 2) < 1
    c.blend(mouth.astype(np.float32), np.array([0.25, 0.05, 0.05]), strength)


def _paint_emergency(c, strength, rng):
    """Red and blue lights flashing in turn at the top; the frames flicker.

    Painted last and at full strength (``strength`` is not used: the lights
    replace the top band).
    """
    H, W, yy, xx, frames = c.H, c.W, c.yy, c.xx, c.frames
    rate = rng.uniform(1.5, 2.5)
    on = (np.floor(2 * rate * c.t[:, 0, 0]) % 2).astype(bool)
    band = (yy < H * 0.2).astype(np.float32)
    left = band * (xx < W / 2)
    right = band * (xx >= W / 2)
    red, blue = np.array([1.0, 0.1, 0.1]), np.array([0.1, 0.2, 1.0])
    for k in range(c.T):
        a, b = (red, blue) if on[k] else (blue, red)
        frames[k] = frames[k] * (1 - left[..., None]) + left[..., None] * a
        frames[k] = frames[k] * (1 - right[..., None]) + right[..., None] * b
    frames *= (1.0 + 0.25 * on)[:, None, None, None]


#: (concept, painter), in painting order (later painters cover earlier ones).
_PAINTERS = (
    (DAMAGE, _paint_damage),
    (FLOOD, _paint_flood),
    (RELIEF, _paint_relief),
    (DEMO, _paint_demo),
    (VICTIM, _paint_victim),
    (SPEAK, _paint_speak),
    (ER, _paint_emergency),
)


def _camera(frames, rng):
    """Per-frame gain and sensor noise; float [0, 1] -> uint8."""
    T = frames.shape[0]
    gain = rng.uniform(0.8, 1.15) * (1 + 0.02 * rng.standard_normal(T))
    frames *= gain.astype(np.float32)[:, None, None, None]
    frames += rng.standard_normal(frames.shape, dtype=np.float32) * np.float32(0.03)
    np.clip(frames, 0, 1, out=frames)
    return (frames * 255 + 0.5).astype(np.uint8)


# ----------------------------------------------------------------------- audio

# Vowel formants (Hz), after Peterson and Barney.
_VOWELS = np.array([[730, 1090, 2440], [270, 2290, 3010], [530, 1840, 2480],
                    [570, 840, 2410], [300, 870, 2240], [660, 1720, 2410]])

def _band_noise(n, sample_rate, low, high, rng):
    """White noise band-passed to [low, high] Hz, unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    spectrum[(freqs < low) | (freqs > high)] = 0
    noise = np.fft.irfft(spectrum, n)
    return noise / (np.sqrt(np.mean(noise ** 2)) + 1e-12)

def _window(n, sample_rate, rng, min_fraction=0.6):
    """A 0..1 envelope that is on over a random part (>= min_fraction) of the clip."""
    length = int(n * rng.uniform(min_fraction, 1.0))
    start = rng.integers(0, n - length + 1)
    env = np.zeros(n)
    env[start:start + length] = 1
    fade = max(int(0.05 * sample_rate), 1)
    kernel = np.ones(fade) / fade
    return np.convolve(env, kernel, mode="same")

def _siren(t, rng):
    center, depth = rng.uniform(950, 1200), rng.uniform(300, 450)
    period = rng.choice([rng.uniform(0.8, 2.0), rng.uniform(0.2, 0.35)])  # wail or yelp
    freq = center + depth * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    phase = 2 * np.pi * np.cumsum(freq) * (t[1] - t[0])
    return np.sin(phase) + 0.3 * np.sin(2 * phase)

def _speech(t, sample_rate, rng):
    """Speech-like sound: harmonics of a moving pitch shaped by vowel formants,
    cut into syllables of 0.12-0.3 s at about 4 per second, with pauses."""
    n = len(t)
    f0 = rng.uniform(100, 220) * (1 + 0.08 * np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 6)))
    formants = np.empty((n, 3))
    envelope = np.zeros(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.12, 0.3) * sample_rate)
        gap = rng.uniform(0.3, 0.7) if rng.random() < 0.12 else rng.uniform(0.02, 0.08)
        formants[pos:pos + length + int(gap * sample_rate)] = _VOWELS[rng.integers(len(_VOWELS))]
        k = np.arange(min(length, n - pos))
        envelope[pos:pos + len(k)] = np.sin(np.pi * k / length) ** 0.5
        pos += length + int(gap * sample_rate)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    sound = np.zeros(n)
    for k in range(1, int(4000 / f0.min()) + 1):
        h = k * f0
        amp = sum(np.exp(-0.5 * ((h - formants[:, j]) / 90.0) ** 2) / (j + 1) for j in range(3))
        sound += amp * np.sin(k * phase)
    return sound * envelope

def _chant(t, sample_rate, rng):
    """Crowd chanting: babble noise and claps pulsing in a steady rhythm."""
    n = len(t)
    rate = rng.uniform(1.5, 2.5)
    beat = np.clip(np.sin(2 * np.pi * rate * t + rng.uniform(0, 6)), 0, 1) ** 2
    babble = _band_noise(n, sample_rate, 300, 3000, rng) * (0.25 + 0.75 * beat)
    claps = np.zeros(n)
    for onset in np.arange(rng.uniform(0, 1 / rate), t[-1], 1 / rate):
        i = int(onset * sample_rate)
        length = min(int(0.03 * sample_rate), n - i)
        claps[i:i + length] = rng.standard_normal(length) * np.exp(-np.arange(length) / 120)
    return babble + 1.5 * claps

def _make_audio(audio_cues, seconds, sample_rate, rng):
    """Mono float32 sound in [-1, 1] with the cued concepts."""
    n = int(round(seconds * sample_rate))
    t = np.arange(n) / sample_rate
    sound = rng.uniform(0.03, 0.08) * _band_noise(n, sample_rate, 20, 600, rng)
    if rng.random() < 0.3:  # a car horn, unrelated to any concept
        horn = np.sin(2 * np.pi * rng.uniform(300, 500) * t)
        sound += 0.2 * horn * _window(n, sample_rate, rng, min_fraction=0.1)
    if audio_cues[FLOOD]:
        rain = _band_noise(n, sample_rate, 1500, 9000, rng)
        wind = _band_noise(n, sample_rate, 30, 250, rng) * (1 + 0.5 * np.sin(2 * np.pi * 0.4 * t))
        sound += rng.uniform(0.15, 0.3) * (rain + 0.5 * wind) * _window(n, sample_rate, rng)
    if audio_cues[ER]:
        sound += rng.uniform(0.2, 0.4) * _siren(t, rng) * _window(n, sample_rate, rng)
    if audio_cues[SPEAK]:
        speech = _speech(t, sample_rate, rng)
        speech /= np.abs(speech).max() + 1e-12
        sound += rng.uniform(0.3, 0.5) * speech * _window(n, sample_rate, rng)
    if audio_cues[DEMO]:
        sound += rng.uniform(0.15, 0.3) * _chant(t, sample_rate, rng) * _window(n, sample_rate, rng)
    sound *= rng.uniform(0.5, 0.9) / (np.abs(sound).max() + 1e-12)
    return sound.astype(np.float32)

"""A scripted reviewer that knows the gold and drives the real app by key presses only.

Used by `review_keys_bench.py` and its test. For each article it walks the pending candidates
(accept, reject, label, `*`, link, edit a span), then marks the gold spans still missing, then
marks the article done. It reads what a reviewer sees (the focused mention, the entity picker's
results, the mark cursor) and picks the cheapest key sequence the app offers: keys are found
through the bindings of the screen or widget that has them, so a key added later (a mark-mode
move, a `*` that moves on by itself) is used as soon as it exists. Span moves are planned by a
breadth-first search over the text cursor's own actions, run on a copy of its state.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import statistics
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.actions import parse
from textual.screen import ModalScreen

TRACE = bool(os.environ.get("TELAAH_BENCH_TRACE"))  # print each mark's keys
SEARCH_LIMIT = 60_000  # states a span plan may explore before it gives up
NO_OP_KEY = "f19"  # bound to nothing: the baseline of a key press
SHOW_FROM = 3  # gold spans missing from an article's shown candidates: the reviewer presses `v`


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """One gold mention; `entity` is a key of the gazetteer, or a name for one to create."""

    start: int
    end: int
    text: str
    label: str
    entity: str
    optional: bool = False  # neither a hit nor a miss (the eval's `optional` kind)


def read_gold(path: Path) -> dict[str, list[GoldSpan]]:
    """Gold by article external id (the file's stem): `{file, mentions: [...]}` lines."""
    gold: dict[str, list[GoldSpan]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        gold[Path(record["file"]).stem] = [
            GoldSpan(
                m["start"],
                m["end"],
                m["text"],
                m["label"],
                m["entity"],
                optional=m.get("kind") == "optional",
            )
            for m in record["mentions"]
        ]
    return gold


@dataclass
class Recorder:
    """Every key pressed (kind, key, seconds) and the no-op presses of the baseline."""

    keys: list[tuple[str, str, float]] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    # The same presses in CPU seconds of the process (every thread): what a loaded machine
    # changes least (wall time there includes the waits for a core).
    keys_cpu: list[float] = field(default_factory=list)
    baseline_cpu: list[float] = field(default_factory=list)
    # Seconds of each key spent in the garbage collector's passes (`gc.callbacks`): where the
    # tails of the wall times come from besides the machine's load.
    keys_gc: list[float] = field(default_factory=list)
    # Seconds from each key sent to the last frame the app put on the screen for it, the
    # frames of the workers it started included (None: it drew nothing): what the reviewer
    # waits for, without the test driver's polling (`_FrameClock`).
    keys_frame: list[float | None] = field(default_factory=list)

    def kinds(self) -> Counter[str]:
        """How many keys of each kind."""
        return Counter(kind for kind, _, _ in self.keys)


class _CollectorClock:
    """While entered: the wall seconds the garbage collector's passes take."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> _CollectorClock:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._callback)


class _FrameClock:
    """When the app last put a frame on the screen (`App._display`, wrapped on the instance).

    Headless, Textual computes each frame's update but does not turn it into the terminal's
    bytes: the clock does that too (`render_segments`, as a terminal's driver would write
    it), so that a frame costs what it costs on a terminal."""

    def __init__(self, app: Any) -> None:
        self.last: float | None = None
        self.all: list[float] = []  # every frame's time since the clock was last reset
        display = app._display

        def timed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or app._batch_count:
                return  # (nothing drawn)
            render = getattr(renderable, "render_segments", None)
            if app.is_headless and render is not None:
                render(app.console)
            self.last = time.perf_counter()
            self.all.append(self.last)

        app._display = timed


class ReviewFailed(Exception):
    """The reviewer could not reach the gold by keys (a bug in the app or in the strategy)."""


class Reviewer:
    """Drives one app under Pilot toward the gold."""

    def __init__(
        self,
        pilot: Any,
        gold: dict[str, list[GoldSpan]],
        known: dict[str, str],
        *,
        settle: Callable[[Any], Any],
        baseline_every: int = 4,
        profile: Iterable[str] = (),
    ) -> None:
        """`known`: entity key -> name, of the gazetteer when the run starts; `profile`: the
        kinds of key to run under cProfile (one profile per kind, in `profiles`)."""
        self.pilot = pilot
        self.app = pilot.app
        self.gold = gold
        self.names = dict(known)
        self.known = set(known)
        self.created: dict[str, str] = {}  # gold entity -> key of the entity made in the run
        self.settle = settle
        self.baseline_every = baseline_every
        self.record = Recorder()
        self.star_moves: bool | None = None  # does `*` move on by itself? (learnt)
        self.reviewed: list[str] = []
        self.profiles = {kind: cProfile.Profile() for kind in profile}
        self.frames = _FrameClock(self.app)

    # Keys.

    async def press(self, key: str, kind: str) -> None:
        """Press one key, timed until the screen has handled it and painted."""
        profiler = self.profiles.get(kind)
        if profiler is not None:
            profiler.enable()
        collector = _CollectorClock()
        self.frames.last = None
        self.frames.all = []
        started, cpu = time.perf_counter(), time.process_time()
        with collector:
            await self.pilot.press(key)
            await self.settle(self.pilot)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        self.record.keys_gc.append(collector.seconds)
        if profiler is not None:
            profiler.disable()
        self.record.keys.append((kind, key, seconds))
        self.record.keys_cpu.append(cpu)
        await self.app.workers.wait_for_complete()
        await self.pilot.pause()  # (a worker's last frame, if it came after the driver's wait)
        frame = None if self.frames.last is None else self.frames.last - started
        self.record.keys_frame.append(frame)
        if TRACE:
            shown = "-" if frame is None else f"{frame * 1000:.1f}"
            print(
                f"key {kind:<14} {key:<8} {seconds * 1000:7.1f} ms  cpu {cpu * 1000:7.1f} ms"
                f"  frame {shown:>7} ms  gc {collector.seconds * 1000:5.1f} ms"
                f"  frames at {' '.join(f'{(t - started) * 1000:.0f}' for t in self.frames.all)}"
            )
        if len(self.record.keys) % self.baseline_every == 0:
            started, cpu = time.perf_counter(), time.process_time()
            await self.pilot.press(NO_OP_KEY)
            await self.settle(self.pilot)
            self.record.baseline.append(time.perf_counter() - started)
            self.record.baseline_cpu.append(time.process_time() - cpu)

    @staticmethod
    def key_for(node: Any, action: str) -> str | None:
        """The first key bound to `action` (`decide('accepted')`) on `node`, if any."""
        want = parse(action)[1:]
        for key, bindings in node._bindings.key_to_bindings.items():
            for binding in bindings:
                if parse(binding.action)[1:] == want:
                    return str(key)
        return None

    def need_key(self, node: Any, action: str) -> str:
        key = self.key_for(node, action)
        if key is None:
            raise ReviewFailed(f"no key for {action} on {type(node).__name__}")
        return key

    # Where things are.

    @property
    def screen(self) -> Any:
        return self.app.screen

    def dialog(self) -> Any:
        """The entity picker or the new-entity form the reviewer sees now: a panel of the
        review screen (its `LinkDock`), or the widget of a dialog on top; None if neither."""
        screen = self.screen
        if isinstance(screen, ModalScreen):
            for attribute in ("picker", "form"):
                if hasattr(screen, attribute):
                    return getattr(screen, attribute)
            return None
        dock = getattr(screen, "_dock", None) or next(iter(screen.query("#link-dock")), None)
        return None if dock is None else dock.shown

    def resolve(self, entity: str) -> str | None:
        """The database key of a gold entity, None while it has to be created."""
        return entity if entity in self.known else self.created.get(entity)

    # The run.

    async def review(self, articles: int) -> None:
        """Open the first article of the queue and review `articles` of them in order."""
        await self.pilot.press("enter")
        await self.pilot.pause()
        for _ in range(articles):
            screen = self.screen
            if not hasattr(screen, "mentions"):
                raise ReviewFailed(f"not on a review screen: {type(screen).__name__}")
            external = screen.article.external_id
            self.reviewed.append(external)
            await self.review_article(self.gold.get(external, []))
            if not await self.done():
                break

    async def review_article(self, gold: list[GoldSpan]) -> None:
        """Decide every pending candidate, then mark the first gold span still missing, and
        again until none is (a mark that creates an entity may bring new candidates)."""
        by_span = {(g.start, g.end): g for g in gold}
        tries: Counter[tuple[int, int]] = Counter()
        await self.show_hidden(gold)
        while True:
            screen = self.screen
            pending = [m for m in screen.mentions if m.state == "pending"]
            if not pending:
                held = {(m.start, m.end) for m in screen.mentions if m.state == "accepted"}
                missing = [g for g in gold if not g.optional and (g.start, g.end) not in held]
                if not missing:
                    return
                tries[(missing[0].start, -missing[0].end)] += 1
                if tries[(missing[0].start, -missing[0].end)] > 2:
                    raise ReviewFailed(f"marking {missing[0].text!r} does not accept it")
                await self.mark(missing[0])
                continue
            current = screen.current
            missed = self.missed_before(gold, current)
            if missed is not None:  # read in order: a name passed by is marked there
                tries[(missed.start, -missed.end)] += 1
                if tries[(missed.start, -missed.end)] > 2:
                    raise ReviewFailed(f"marking {missed.text!r} does not accept it")
                await self.mark(missed)
                continue
            if current is None or current.state != "pending":
                index = screen.mentions.index(current) if current is not None else -1
                step = 1 if any(screen.mentions.index(m) > index for m in pending) else -1
                await self.press(self.need_key(screen, f"move_pending({step})"), "J/K")
                continue
            tries[(current.id, current.version)] += 1
            if tries[(current.id, current.version)] > 2:
                raise ReviewFailed(f"mention {current.text!r} stays pending")
            await self.decide(current, pending, by_span, gold)

    def missed_before(self, gold: list[GoldSpan], current: Any) -> GoldSpan | None:
        """The gold span nearest before the focused pending mention that no mention covers
        even in part (a name the reviewer read past: marked before going on)."""
        if current is None or current.state != "pending":
            return None
        held = [(m.start, m.end) for m in self.screen.mentions if m.state != "rejected"]
        missed = [
            g
            for g in gold
            if not g.optional
            and g.end <= current.start
            and not any(g.start < end and start < g.end for start, end in held)
        ]
        return max(missed, key=lambda g: g.start, default=None)

    async def show_hidden(self, gold: list[GoldSpan]) -> None:
        """`v` once, when the threshold hides candidates and `SHOW_FROM` gold spans or more are
        not shown (a reviewer whose gazetteer lacks names wants the `new name` candidates; one
        who misses a name or two marks them)."""
        screen = self.screen
        key = self.key_for(screen, "show_all")
        if key is None or self.app.show_all or not getattr(screen, "hidden", 0):
            return
        shown = {(m.start, m.end) for m in screen.mentions}
        missing = sum(1 for g in gold if not g.optional and (g.start, g.end) not in shown)
        if missing >= SHOW_FROM:
            await self.press(key, "v")

    async def decide(
        self,
        mention: Any,
        pending: list[Any],
        by_span: dict[tuple[int, int], GoldSpan],
        gold: list[GoldSpan],
    ) -> None:
        """The cheapest keys that bring the focused pending mention to the gold."""
        screen = self.screen
        g = by_span.get((mention.start, mention.end))
        if g is not None and g.optional:
            right = mention.label == g.label and mention.entity_key == self.resolve(g.entity)
            await self.press(
                self.need_key(screen, f"decide('{'accepted' if right else 'rejected'}')"), "a/x"
            )
            return
        if g is None:
            target = self.edit_target(mention, gold)
            if target is not None and await self.edit(mention, target):
                return
            await self.press(self.need_key(screen, "decide('rejected')"), "x")
            return
        want = self.resolve(g.entity)
        if want is None and await self.create(mention, g):
            return
        if want is None or mention.entity_key != want:
            await self.press(self.need_key(screen, "link"), "l")
            await self.choose(g, want)
            return
        if mention.label != g.label:
            rank = screen.labels.index(g.label) + 1
            await self.press(self.need_key(screen, f"label({rank})"), "digit")
            return
        like = [
            m
            for m in pending
            if m.id != mention.id and m.text == mention.text and m.entity_key == mention.entity_key
        ]
        fits = all(
            (o := by_span.get((m.start, m.end))) is not None
            and not o.optional
            and o.label == mention.label
            and self.resolve(o.entity) == want
            for m in like
        )
        if like and fits and (len(like) >= 2 or self.star_moves):
            await self.press(self.need_key(screen, "similar"), "*")
            current = self.screen.current
            if self.star_moves is None:
                self.star_moves = current is None or current.state == "pending"
            return
        await self.press(self.need_key(screen, "decide('accepted')"), "a")

    # The link modal.

    async def choose(self, g: GoldSpan, want: str | None) -> None:
        """In the link modal: the gold label, then the entity (typed) or a new one."""
        modal = await self.wait_for(
            lambda _: hasattr(self.dialog(), "hits") and hasattr(self.dialog(), "only_label")
        )
        for _ in range(200):
            if modal.index is not None:
                break
            await self.pilot.pause(0.01)
        labels = modal.labels
        at, to = labels.index(modal.label), labels.index(g.label)
        forward, back = (to - at) % len(labels), (at - to) % len(labels)
        step = 1 if forward <= back else -1
        for _ in range(min(forward, back)):
            await self.press(self.need_key(modal, f"label({step})"), "link-label")
        if want is None:
            await self.press(self.need_key(modal, "create"), "ctrl+n")
            await self.confirm_dialogs(modal)
            self.note_created(g)
            return
        name = self.names.get(want, g.text)
        typed = 0
        while True:
            keys = [hit.key for hit in modal.hits]
            index = keys.index(want) if want in keys else None
            if index is not None and (index <= 1 or typed >= len(name)):
                break
            if typed >= len(name):
                raise ReviewFailed(f"the link search never offers {want} for {name!r}")
            char = name[typed]
            await self.press("space" if char == " " else char, "link-type")
            typed += 1
        for _ in range(index):
            await self.press(self.need_key(modal, "cursor(1)"), "link-move")
        await self.press("enter", "link-enter")

    async def create(self, mention: Any, g: GoldSpan) -> bool:
        """`N` on the focused `mention`: the new-entity form, the gold label chosen there,
        `enter`; False when the screen has no such key."""
        screen = self.screen
        create = self.key_for(screen, "new_entity")
        if create is None:
            return False
        await self.press(create, "N")  # the form, prefilled with the surface and label
        form = self.dialog()
        if mention.label != g.label and hasattr(form, "labels"):
            labels = form.labels
            at, to = labels.index(form.label), labels.index(g.label)
            forward, back = (to - at) % len(labels), (at - to) % len(labels)
            step = 1 if forward <= back else -1
            for _ in range(min(forward, back)):
                await self.press(self.need_key(form, f"step_label({step})"), "form-label")
        await self.confirm_dialogs(screen)
        self.note_created(g)
        return True

    def note_created(self, g: GoldSpan) -> None:
        """The entity just made for the gold span `g` (the focus may have moved on from it)."""
        current = next(
            (m for m in self.screen.mentions if (m.start, m.end) == (g.start, g.end)), None
        )
        if current is None or current.entity_key is None:
            if TRACE:
                near = [m for m in self.screen.mentions if m.start < g.end and g.start < m.end]
                print("near:", near, [str(n.message) for n in self.app._notifications][-4:])
            raise ReviewFailed(f"no entity made for {g.text!r}")
        self.created[g.entity] = current.entity_key
        self.names[current.entity_key] = current.entity_name or g.text

    async def confirm_dialogs(self, below: Any) -> None:
        """Dialogs a creation may open (a name and key to check): accepted as they come."""
        for _ in range(3):
            shown = self.dialog()
            modal = isinstance(self.screen, ModalScreen) and self.screen is not below
            if modal or (shown is not None and shown is not below):
                await self.press("enter", "create-confirm")
            else:
                return

    async def wait_for(self, test: Callable[[Any], bool]) -> Any:
        """The picker or form (else the screen) once `test` holds for the screen."""
        for _ in range(300):
            if test(self.screen):
                return self.dialog() or self.screen
            await self.pilot.pause(0.01)
        raise ReviewFailed(f"waited in vain on {type(self.screen).__name__}")

    # Span modes: edit and mark.

    def edit_target(self, mention: Any, gold: list[GoldSpan]) -> GoldSpan | None:
        """A gold span overlapping `mention` that no other mention holds yet."""
        held = {(m.start, m.end) for m in self.screen.mentions if m.state != "rejected"}
        for g in gold:
            if g.optional or (g.start, g.end) in held:
                continue
            if g.start < mention.end and mention.start < g.end:
                return g
        return None

    async def edit(self, mention: Any, g: GoldSpan) -> bool:
        """`e`, the planned moves, `enter`; False (nothing stored) when no plan is found."""
        screen = self.screen
        key = self.key_for(screen, "edit_span")
        if key is None:
            return False
        await self.press(key, "e")
        text = screen.body.text
        plan = plan_moves(text, lambda c: (c.start, c.end) == (g.start, g.end))
        if plan is None:
            await self.press(self.need_key(text, "leave"), "edit-cancel")
            return False
        for move in plan:
            await self.press(move, "edit-move")
        await self.press(self.need_key(text, "commit"), "edit-enter")
        if screen.mode is not None:  # refused (the mode stays on): leave, and reject instead
            await self.press(self.need_key(text, "leave"), "edit-cancel")
            return False
        await self.finish_edited(mention.id, g)
        return True

    async def finish_edited(self, mention_id: int, g: GoldSpan) -> None:
        """After an edit (which accepts, and may move on): back to the edited mention when its
        entity or label is not the gold's yet, and fix them."""
        screen = self.screen
        edited = next((m for m in screen.mentions if m.id == mention_id), None)
        if edited is None:
            return
        want = self.resolve(g.entity)
        if edited.entity_key == want and edited.label == g.label:
            return
        for _ in range(len(screen.mentions)):
            current = screen.current
            if current is not None and current.id == mention_id:
                break
            index = screen.mentions.index(current) if current is not None else -1
            step = -1 if index > screen.mentions.index(edited) else 1
            await self.press(self.need_key(screen, f"move({step})"), "j/k")
        if want is None and await self.create(edited, g):
            return
        if want is None or edited.entity_key != want:
            await self.press(self.need_key(screen, "link"), "l")
            await self.choose(g, want)
        elif edited.label != g.label:
            rank = screen.labels.index(g.label) + 1
            await self.press(self.need_key(screen, f"label({rank})"), "digit")

    async def mark(self, g: GoldSpan) -> None:
        """`m`, moves and a selection over the gold span, then its label and entity."""
        screen = self.screen
        await self.press(self.need_key(screen, "mark_span"), "m")
        text = screen.body.text
        for _ in range(3):
            if text.cursor.selection == (g.start, g.end):
                break
            plan = plan_moves(
                text, lambda c: c.selection == (g.start, g.end), ends=(g.start, g.end)
            )
            if plan is None:
                raise ReviewFailed(f"no keys select {g.text!r} at {g.start}")
            if TRACE:
                print(f"mark {g.text!r} at {g.start}: {' '.join(plan)}")
            for move in plan:
                await self.press(move, "mark-move")
        else:
            raise ReviewFailed(f"could not select {g.text!r} at {g.start}")
        want = self.resolve(g.entity)
        # `l` marks and opens the link search, where the label is chosen (`tab`) with the
        # entity; a digit would mark and move on, away from the new mention.
        await self.press(self.need_key(text, "mark(0)"), "mark-l")
        await self.choose(g, want)

    async def done(self) -> bool:
        """`d`, and a yes when the app asks (pending fact candidates), in a dialog or on the
        focused line; True once another article is shown (on this screen or a new one)."""
        screen = self.screen
        article = screen.article.id
        await self.press(self.need_key(screen, "done"), "d")
        asking = self.screen if isinstance(self.screen, ModalScreen) else self.app.focused
        yes = None if asking is None else self.key_for(asking, "answer(True)")
        if yes is not None:
            await self.press(yes, "d-yes")
        for _ in range(100):
            shown = getattr(self.screen, "article", None)
            if shown is not None and shown.id != article:
                return True
            await self.pilot.pause(0.01)
        return False


def plan_moves(
    text: Any, goal: Callable[[Any], bool], ends: tuple[int, int] | None = None
) -> list[str] | None:
    """The shortest keys (of the text widget's mode) from its cursor to a state `goal` likes.

    Every enabled action of the mode that only moves (not a label, save or leave) is tried on
    a copy of the cursor's state. In mark mode a selection may only start at one of `ends`.
    """
    cursor = text.cursor
    moves: dict[tuple[str, tuple[object, ...]], str] = {}
    for key, bindings in text._bindings.key_to_bindings.items():
        for binding in bindings:
            _, name, params = parse(binding.action)
            if name in ("mark", "commit", "leave") or not text.check_action(name, params):
                continue
            moves.setdefault((name, params), str(key))
    saved = dict(vars(cursor))
    text._changed = lambda: None  # simulate without drawing or posting
    try:
        start = _state(cursor)
        if goal(cursor):
            return []
        seen = {start}
        queue: deque[tuple[tuple[Any, ...], list[str]]] = deque([(start, [])])
        while queue and len(seen) < SEARCH_LIMIT:
            state, keys = queue.popleft()
            for (name, params), key in moves.items():
                _restore(cursor, state)
                getattr(text, f"action_{name}")(*params)
                new = _state(cursor)
                if new in seen:
                    continue
                if ends is not None and cursor.anchor is not None and cursor.anchor not in ends:
                    continue
                if goal(cursor):
                    return [*keys, key]
                seen.add(new)
                queue.append((new, [*keys, key]))
        return None
    finally:
        del text._changed
        vars(cursor).update(saved)


_FIELDS = ("position", "anchor", "goal_x", "start", "end", "edge")


def _state(cursor: Any) -> tuple[Any, ...]:
    return tuple(getattr(cursor, name) for name in _FIELDS)


def _restore(cursor: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(_FIELDS, state, strict=True):
        setattr(cursor, name, value)


# Scoring.


@dataclass
class Score:
    """Accepted mentions against the gold (optional gold spans count neither way)."""

    gold: int = 0
    right: int = 0
    wrong: list[str] = field(default_factory=list)  # accepted, not gold
    missed: list[str] = field(default_factory=list)  # gold, not accepted as such

    @property
    def precision(self) -> float:
        found = self.right + len(self.wrong)
        return self.right / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.gold if self.gold else 1.0


def score(
    accepted: dict[str, list[tuple[int, int, str, str | None]]],
    gold: dict[str, list[GoldSpan]],
    resolve: Callable[[str], str | None],
) -> Score:
    """`accepted`: by article, (start, end, label, entity key) of every accepted mention."""
    result = Score()
    for article, spans in accepted.items():
        golds = gold.get(article, [])
        optional = {(g.start, g.end) for g in golds if g.optional}
        want = {(g.start, g.end, g.label, resolve(g.entity)): g for g in golds if not g.optional}
        result.gold += len(want)
        have = set()
        for span in spans:
            if span in want:
                result.right += 1
                have.add(span)
            elif span[:2] not in optional:
                result.wrong.append(f"{article} {span}")
        result.missed += [f"{article} {k} {g.text!r}" for k, g in want.items() if k not in have]
    return result


def summary(seconds: Iterable[float]) -> tuple[float, float, float]:
    """Median, p95 and max, in milliseconds."""
    values = sorted(s * 1000 for s in seconds)
    if not values:
        return (0.0, 0.0, 0.0)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return statistics.median(values), p95, values[-1]

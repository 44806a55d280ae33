"""`tui.frames.after_frames`: work put off until what a key changed is drawn, its second frame
included (a first frame that asks for another: a layout that changed a size)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.frames import after_frames


class Twice(App[None]):
    """A key that draws two frames: the line changes, and once that is drawn, again."""

    def __init__(self) -> None:
        super().__init__()
        self.frames = 0
        self.seen: list[int] = []  # the frames drawn when the put-off work ran

    def compose(self) -> ComposeResult:
        yield Static("start", id="line")

    def _display(self, screen: object, renderable: object) -> None:  # type: ignore[override]
        super()._display(screen, renderable)  # type: ignore[arg-type]
        if renderable is not None and not self._batch_count:
            self.frames += 1

    def key_x(self) -> None:
        line = self.query_one("#line", Static)
        line.update("first")
        self.call_after_refresh(line.update, "second")  # the key's second frame
        after_frames(self, lambda: self.seen.append(self.frames))


async def test_work_put_off_runs_after_the_keys_second_frame() -> None:
    app = Twice()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        before = app.frames
        await pilot.press("x")
        for _ in range(20):
            await pilot.pause(0.02)
        assert app.frames - before >= 2  # the key drew two frames
        assert app.seen == [before + 2], (before, app.seen, app.frames)

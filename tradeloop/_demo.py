"""Two small actors that show the kernel working before the trading actors exist.

``heartbeat`` publishes a :class:`Heartbeat` every interval; ``counter``
subscribes to heartbeats, counts them (its count survives nothing: a restart
starts from zero, which is visible in the logs) and answers :class:`GetCount`.
"""

from __future__ import annotations

from runtime import Actor, ActorContext, Message, Request, TaskStatus

__all__ = ["Count", "GetCount", "Heartbeat", "counter", "heartbeat"]


class Heartbeat(Message, frozen=True, tag="heartbeat"):
    seq: int
    ts: float


class GetCount(Message, frozen=True, tag="get_count"):
    pass


class Count(Message, frozen=True, tag="count"):
    count: int
    last_seq: int


def heartbeat(interval: float) -> Actor:
    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        ctx.log.info("publishing heartbeats", interval=interval)
        task_status.started()
        seq = 0
        while True:
            seq += 1
            await ctx.publish(Heartbeat(seq=seq, ts=ctx.clock.time()))
            await ctx.clock.sleep(interval)

    return run


def counter(report_every: int) -> Actor:
    async def run(ctx: ActorContext, task_status: TaskStatus) -> None:
        count = 0
        last_seq = 0
        task_status.started()
        async for message in ctx.mailbox:
            if isinstance(message, Heartbeat):
                count += 1
                last_seq = message.seq
                if count % report_every == 0:
                    ctx.log.info("heartbeats counted", count=count, last_seq=last_seq)
            elif isinstance(message, Request) and isinstance(message.message, GetCount):
                message.reply(Count(count=count, last_seq=last_seq))
            else:
                ctx.log.warning("unexpected message", message_type=type(message).__name__)

    return run

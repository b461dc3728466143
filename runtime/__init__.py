"""tradeloop's actor kernel: supervised trio actors that know nothing about trading.

Layers, bottom up: messages (``_message``) and mailboxes (``_mailbox``) with
one-shot requests (``_request``); the registry of names and subscriptions
(``_registry``); what an actor is given (``_context``, ``_clock``); how a tree
is described (``_spec``) and run (``_system``, ``_supervisor``, ``_tree``).
Errors are in :mod:`runtime.errors`; supervision events in ``_events``.
"""

from ._classify import TRANSIENT_ERRORS as TRANSIENT_ERRORS
from ._classify import is_transient as is_transient
from ._clock import Clock as Clock
from ._config import decode_config as decode_config
from ._config import load_config as load_config
from ._config import to_toml_data as to_toml_data
from ._context import Actor as Actor
from ._context import ActorContext as ActorContext
from ._context import TaskStatus as TaskStatus
from ._context import current_context as current_context
from ._events import ActorCrashed as ActorCrashed
from ._events import ActorEvent as ActorEvent
from ._events import ActorRestarting as ActorRestarting
from ._events import ActorStarted as ActorStarted
from ._events import ActorStopped as ActorStopped
from ._events import SupervisorEscalated as SupervisorEscalated
from ._events import SupervisorGaveUpEvent as SupervisorGaveUpEvent
from ._heap import freeze_heap as freeze_heap
from ._logging import configure_logging as configure_logging
from ._mailbox import LaneStats as LaneStats
from ._mailbox import Mailbox as Mailbox
from ._mailbox import MailboxReader as MailboxReader
from ._mailbox import MailboxStats as MailboxStats
from ._mailbox import Policy as Policy
from ._message import Message as Message
from ._registry import ActorInfo as ActorInfo
from ._registry import ActorRef as ActorRef
from ._registry import ActorStatus as ActorStatus
from ._registry import Registry as Registry
from ._request import Request as Request
from ._spec import Backoff as Backoff
from ._spec import ChildSpec as ChildSpec
from ._spec import Restart as Restart
from ._spec import Strategy as Strategy
from ._spec import Subscribe as Subscribe
from ._spec import SupervisorSpec as SupervisorSpec
from ._system import System as System
from ._tree import Tree as Tree
from ._tree import open_tree as open_tree
from ._tree import serve_tree as serve_tree

__all__ = [
    "TRANSIENT_ERRORS",
    "Actor",
    "ActorContext",
    "ActorCrashed",
    "ActorEvent",
    "ActorInfo",
    "ActorRef",
    "ActorRestarting",
    "ActorStarted",
    "ActorStatus",
    "ActorStopped",
    "Backoff",
    "ChildSpec",
    "Clock",
    "LaneStats",
    "Mailbox",
    "MailboxReader",
    "MailboxStats",
    "Message",
    "Policy",
    "Registry",
    "Request",
    "Restart",
    "Strategy",
    "Subscribe",
    "SupervisorEscalated",
    "SupervisorGaveUpEvent",
    "SupervisorSpec",
    "System",
    "TaskStatus",
    "Tree",
    "configure_logging",
    "current_context",
    "decode_config",
    "freeze_heap",
    "is_transient",
    "load_config",
    "open_tree",
    "serve_tree",
    "to_toml_data",
]

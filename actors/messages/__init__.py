"""The domain messages the trading actors exchange, in one catalogue.

Money and quantities are ``Decimal``; every message is a frozen, tagged
msgspec Struct (see :class:`runtime.Message`), so any of them can be
journaled or sent to a monitoring client and decoded back exactly.
"""

from ._breakers import ResetResult as ResetResult
from ._breakers import TripBreaker as TripBreaker
from ._broker import AccountStatus as AccountStatus
from ._broker import BrokerRequestFailed as BrokerRequestFailed
from ._broker import GetAccount as GetAccount
from ._broker import PositionDifference as PositionDifference
from ._broker import ReconciliationReport as ReconciliationReport
from ._calendar import SessionCalendar as SessionCalendar
from ._decisions import BreakerState as BreakerState
from ._decisions import BreakerStatus as BreakerStatus
from ._decisions import BreakerUpdate as BreakerUpdate
from ._decisions import BreakerView as BreakerView
from ._decisions import GetBreakers as GetBreakers
from ._decisions import GetStrategies as GetStrategies
from ._decisions import RiskRejected as RiskRejected
from ._decisions import StrategiesStatus as StrategiesStatus
from ._decisions import StrategyView as StrategyView
from ._decisions import TradingState as TradingState
from ._decisions import TradingStateChanged as TradingStateChanged
from ._enums import AlertSeverity as AlertSeverity
from ._enums import InstrumentKind as InstrumentKind
from ._enums import OrderStatus as OrderStatus
from ._enums import OrderType as OrderType
from ._enums import Side as Side
from ._enums import SignalAction as SignalAction
from ._enums import TimeInForce as TimeInForce
from ._feeds import Bars as Bars
from ._feeds import RecentBars as RecentBars
from ._instruments import Instrument as Instrument
from ._ledger import AccountOpened as AccountOpened
from ._ledger import LedgerPosition as LedgerPosition
from ._ledger import LedgerSnapshot as LedgerSnapshot
from ._market import Bar as Bar
from ._market import MarketStale as MarketStale
from ._market import Quote as Quote
from ._market import Trade as Trade
from ._operations import Alert as Alert
from ._operations import CancelAll as CancelAll
from ._operations import CancelOrder as CancelOrder
from ._operations import FlattenAccount as FlattenAccount
from ._operations import OperatorCommand as OperatorCommand
from ._operations import PauseStrategy as PauseStrategy
from ._operations import Rebalance as Rebalance
from ._operations import ResetBreaker as ResetBreaker
from ._operations import ResumeStrategy as ResumeStrategy
from ._operations import SubmitManualOrder as SubmitManualOrder
from ._orders import ExternalAlert as ExternalAlert
from ._orders import Fill as Fill
from ._orders import Order as Order
from ._orders import OrderUpdate as OrderUpdate
from ._orders import Signal as Signal
from ._orders import make_client_order_id as make_client_order_id
from ._portfolio import PortfolioUpdate as PortfolioUpdate
from ._portfolio import PositionUpdate as PositionUpdate
from ._queries import GetOpenOrders as GetOpenOrders
from ._queries import GetPortfolio as GetPortfolio
from ._queries import OpenOrders as OpenOrders
from ._queries import PortfolioSnapshot as PortfolioSnapshot
from ._risk import RiskDecision as RiskDecision
from ._risk import RiskLeg as RiskLeg

__all__ = [
    "AccountOpened",
    "AccountStatus",
    "Alert",
    "AlertSeverity",
    "Bar",
    "Bars",
    "BreakerState",
    "BreakerStatus",
    "BreakerUpdate",
    "BreakerView",
    "BrokerRequestFailed",
    "CancelAll",
    "CancelOrder",
    "ExternalAlert",
    "Fill",
    "FlattenAccount",
    "GetAccount",
    "GetBreakers",
    "GetOpenOrders",
    "GetPortfolio",
    "GetStrategies",
    "Instrument",
    "InstrumentKind",
    "LedgerPosition",
    "LedgerSnapshot",
    "MarketStale",
    "OpenOrders",
    "OperatorCommand",
    "Order",
    "OrderStatus",
    "OrderType",
    "OrderUpdate",
    "PauseStrategy",
    "PortfolioSnapshot",
    "PortfolioUpdate",
    "PositionDifference",
    "PositionUpdate",
    "Quote",
    "Rebalance",
    "RecentBars",
    "ReconciliationReport",
    "ResetBreaker",
    "ResetResult",
    "ResumeStrategy",
    "RiskDecision",
    "RiskLeg",
    "RiskRejected",
    "SessionCalendar",
    "Side",
    "Signal",
    "SignalAction",
    "StrategiesStatus",
    "StrategyView",
    "SubmitManualOrder",
    "TimeInForce",
    "Trade",
    "TradingState",
    "TradingStateChanged",
    "TripBreaker",
    "make_client_order_id",
]

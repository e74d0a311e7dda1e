"""Event types: frozen attrs classes registered under a stable name and version."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar, dataclass_transform

import attrs

from ._errors import DuplicateEventTypeError, EventDefinitionError, UnknownEventTypeError
from ._reprs import fitted, html_rows, plural

__all__ = ["EventType", "Registry", "Upcaster", "default_registry", "event"]

_T = TypeVar("_T")
_NAME: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")

#: A function that rewrites an event's stored fields from one version to the next.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@attrs.frozen
class EventType:
    """What the registry knows of one event class.

    Attributes:
        name: The stable type name written to storage.
        version: The current schema version (1 or more).
        cls: The attrs class.
    """

    name: str
    version: int
    cls: type[Any]


class Registry:
    """Maps stable type names to event classes, and holds their upcasters.

    Most code uses :data:`default_registry` through :func:`event`; a separate
    registry keeps a test's or a plug-in's event types apart.

    >>> registry = Registry()
    >>> @event("example.noted", registry=registry)
    ... class Noted:
    ...     text: str
    >>> registry.lookup("example.noted").cls is Noted
    True

    Every registry also holds the library's own types, ``timeline.retracted``
    and ``timeline.corrected``.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, EventType] = {}
        self._by_class: dict[type[Any], EventType] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        _registries.append(weakref.ref(self))
        from ._corrections import register_corrections  # noqa: PLC0415 -- they need Registry

        register_corrections(self)

    def register(self, cls: type[Any], *, name: str, version: int = 1) -> EventType:
        """Register the attrs class ``cls`` as event type ``name`` at ``version``.

        Raises:
            DuplicateEventTypeError: ``name`` or ``cls`` is already registered.
            EventDefinitionError: ``cls`` is not a frozen attrs class, or the
                name or version is malformed.
        """
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise EventDefinitionError(
                f"event type name {name!r} must be lower-case dotted words, "
                "e.g. 'sanction.designated'"
            )
        if name.startswith("timeline.") and cls.__module__ != "timeline._corrections":
            raise EventDefinitionError(
                f"event type name {name!r}: the 'timeline.' prefix is reserved for the library"
            )
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise EventDefinitionError(f"event type {name!r}: version must be an int >= 1")
        if not attrs.has(cls):
            raise EventDefinitionError(f"{cls.__qualname__} is not an attrs class")
        if not _is_frozen(cls):
            raise EventDefinitionError(f"{cls.__qualname__} must be frozen: events are immutable")
        if name in self._by_name:
            other = self._by_name[name].cls
            raise DuplicateEventTypeError(
                f"event type name {name!r} is already registered to "
                f"{other.__module__}.{other.__qualname__}"
            )
        if cls in self._by_class:
            raise DuplicateEventTypeError(
                f"{cls.__qualname__} is already registered as {self._by_class[cls].name!r}"
            )
        entry = EventType(name, version, cls)
        self._by_name[name] = entry
        self._by_class[cls] = entry
        return entry

    def upcaster(self, name: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function that turns version ``from_version`` data into the next.

        The function receives the stored fields as a dict and returns the
        fields of version ``from_version + 1``; reading an old record applies
        every step up to the current version.

        Raises:
            EventDefinitionError: An upcaster for that step already exists.
        """

        def register(function: Upcaster) -> Upcaster:
            key = (name, from_version)
            if key in self._upcasters:
                raise EventDefinitionError(
                    f"event type {name!r} already has an upcaster from version {from_version}"
                )
            self._upcasters[key] = function
            return function

        return register

    def lookup(self, name: str) -> EventType:
        """Return the event type registered under ``name``.

        Raises:
            UnknownEventTypeError: Nothing is registered under ``name``.
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownEventTypeError(f"no event type is registered as {name!r}") from None

    def type_of(self, event_or_class: object) -> EventType:
        """Return the registered type of an event instance or class.

        Raises:
            UnknownEventTypeError: The class is not registered here.
        """
        cls = event_or_class if isinstance(event_or_class, type) else type(event_or_class)
        try:
            return self._by_class[cls]
        except KeyError:
            raise UnknownEventTypeError(
                f"{cls.__qualname__} is not a registered event type; declare it with @event(...)"
            ) from None

    def upcast(self, name: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
        """Bring ``data`` stored at ``version`` up to the current version of ``name``.

        Raises:
            UnknownEventTypeError: ``name`` is not registered.
            EventDefinitionError: A step is missing, or ``version`` is newer
                than the registered class.
        """
        entry = self.lookup(name)
        if version > entry.version:
            raise EventDefinitionError(
                f"{name!r} was stored at version {version}, newer than this program's "
                f"version {entry.version}: upgrade the program that reads it"
            )
        for step in range(version, entry.version):
            try:
                upcaster = self._upcasters[(name, step)]
            except KeyError:
                raise EventDefinitionError(
                    f"{name!r} has no upcaster from version {step} to {step + 1}"
                ) from None
            data = upcaster(dict(data))
        return data

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __repr__(self) -> str:
        names = sorted(self._by_name)
        shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
        return fitted(f"<Registry of {plural(len(names), 'event type')}: {shown}>")

    def _repr_html_(self) -> str:
        """A table for notebooks: each type's name, version and class."""
        return html_rows(
            ("type", "version", "class"),
            (
                (entry.name, entry.version, f"{entry.cls.__module__}.{entry.cls.__qualname__}")
                for entry in self
            ),
        )

    def __iter__(self) -> Iterator[EventType]:
        return iter(sorted(self._by_name.values(), key=lambda entry: entry.name))

    def __len__(self) -> int:
        return len(self._by_name)


def _is_frozen(cls: type[Any]) -> bool:
    # attrs marks frozen classes by installing its own __setattr__.
    return getattr(cls.__setattr__, "__name__", "") == "_frozen_setattrs"


#: The registry :func:`event` uses unless told otherwise.
#: Every registry made, oldest first (weakly: a registry no one holds is gone from it).
_registries: list[weakref.ref[Registry]] = []


def registry_of(cls: type[Any]) -> Registry | None:
    """The registry that declares ``cls``: the default one, else the oldest that does.

    So what holds only records (a table of ``log.read()``) finds the type
    names of a log's own registry without being told it again.
    """
    if cls in default_registry._by_class:  # noqa: SLF001 -- this module's own class
        return default_registry
    _registries[:] = [ref for ref in _registries if ref() is not None]
    for ref in _registries:
        registry = ref()
        if registry is not None and cls in registry._by_class:  # noqa: SLF001 -- as above
            return registry
    return None


default_registry: Final = Registry()


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field,))
def event(
    name: str, *, version: int = 1, registry: Registry | None = None
) -> Callable[[type[_T]], type[_T]]:
    """Declare an event type: a frozen, slotted, keyword-only attrs class.

    The stable ``name`` (not the Python qualname) is what storage records, so
    renaming or moving the class never breaks stored data.

    Args:
        name: Lower-case dotted type name, e.g. ``"sanction.designated"``.
        version: The schema version of the class as written. Raise it when the
            fields change, and register an upcaster for the step.
        registry: Where to register; :data:`default_registry` by default.

    Raises:
        DuplicateEventTypeError: ``name`` is already taken (at declaration).

    >>> @event("example.meeting.held", registry=Registry())
    ... class MeetingHeld:
    ...     place: str
    ...     participants: tuple[str, ...] = ()
    >>> MeetingHeld(place="Vostochny", participants=("Kim Jong Un", "Vladimir Putin"))
    MeetingHeld(place='Vostochny', participants=('Kim Jong Un', 'Vladimir Putin'))
    """
    target = default_registry if registry is None else registry

    def declare(cls: type[_T]) -> type[_T]:
        if attrs.has(cls):
            raise EventDefinitionError(
                f"{cls.__qualname__} is already an attrs class: let @event make it one"
            )
        made: type[_T] = attrs.frozen(cls, kw_only=True)
        target.register(made, name=name, version=version)
        return made

    return declare

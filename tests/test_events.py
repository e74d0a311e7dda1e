"""Event types: declaration, registration, immutability."""

from __future__ import annotations

import attrs
import pytest

from timeline import (
    DuplicateEventTypeError,
    EventDefinitionError,
    Registry,
    UnknownEventTypeError,
    event,
)


def test_events_are_frozen_slotted_keyword_only_values():
    """An event is a plain value: equal, hashable, readable, immutable."""
    registry = Registry()

    @event("test.designated", registry=registry)
    class Designated:
        target: str
        program: str = "DPRK3"

    first = Designated(target="Rusoboronexport")
    assert first == Designated(target="Rusoboronexport", program="DPRK3")
    assert hash(first) == hash(Designated(target="Rusoboronexport"))
    assert repr(first) == "Designated(target='Rusoboronexport', program='DPRK3')"
    assert "__dict__" not in dir(first)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.target = "someone else"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Designated("Rusoboronexport")  # type: ignore[misc]


def test_registration_is_by_stable_name_not_qualname():
    """The stored name is the declared one, whatever the class is called."""
    registry = Registry()

    @event("test.renamed", version=3, registry=registry)
    class AnyPythonName:
        x: int

    entry = registry.type_of(AnyPythonName(x=1))
    assert (entry.name, entry.version, entry.cls) == ("test.renamed", 3, AnyPythonName)
    assert registry.lookup("test.renamed") is entry
    assert "test.renamed" in registry
    assert [e for e in registry if not e.name.startswith("timeline.")] == [entry]
    assert "timeline.retracted" in registry


def test_registering_a_name_twice_fails_at_declaration():
    """Two classes can never claim one stored name."""
    registry = Registry()

    @event("test.once", registry=registry)
    class First:
        x: int

    with pytest.raises(DuplicateEventTypeError, match=r"'test.once' is already registered"):

        @event("test.once", registry=registry)
        class Second:
            x: int

    assert registry.lookup("test.once").cls is First


@pytest.mark.parametrize("name", ["", "Upper.Case", "has space", "trailing.", "1starts.with.digit"])
def test_malformed_names_are_rejected(name):
    """Type names are lower-case dotted words."""
    with pytest.raises(EventDefinitionError, match="lower-case dotted"):

        @event(name, registry=Registry())
        class Anything:
            x: int


def test_the_timeline_prefix_is_reserved():
    """Names under 'timeline.' belong to the library's own event types."""
    with pytest.raises(EventDefinitionError, match="reserved"):

        @event("timeline.mine", registry=Registry())
        class Mine:
            x: int


@pytest.mark.parametrize("version", [0, -1, True, 1.5])
def test_malformed_versions_are_rejected(version):
    """Schema versions are whole numbers from 1."""
    with pytest.raises(EventDefinitionError, match="version"):

        @event("test.versioned", version=version, registry=Registry())
        class Anything:
            x: int


def test_mutable_or_foreign_classes_are_rejected():
    """Only frozen attrs classes can be events."""
    registry = Registry()

    @attrs.define
    class Mutable:
        x: int

    with pytest.raises(EventDefinitionError, match="frozen"):
        registry.register(Mutable, name="test.mutable")
    with pytest.raises(EventDefinitionError, match="not an attrs class"):
        registry.register(int, name="test.int")
    with pytest.raises(EventDefinitionError, match="already an attrs class"):
        event("test.double", registry=registry)(Mutable)


def test_unknown_types_are_lookup_errors():
    """Asking for an unregistered name or class is a LookupError."""
    registry = Registry()
    with pytest.raises(UnknownEventTypeError, match="no event type is registered as 'nope'"):
        registry.lookup("nope")
    with pytest.raises(LookupError, match="not a registered event type"):
        registry.type_of(object())


def test_upcasters_chain_and_missing_steps_are_errors():
    """Old data is brought up to date step by step; a gap is a clear error."""
    registry = Registry()

    @event("test.evolving", version=3, registry=registry)
    class Evolving:
        name: str
        aliases: tuple[str, ...]

    @registry.upcaster("test.evolving", from_version=1)
    def _one(data):
        return {"name": data["title"]}

    with pytest.raises(EventDefinitionError, match="no upcaster from version 2 to 3"):
        registry.upcast("test.evolving", 1, {"title": "x"})

    @registry.upcaster("test.evolving", from_version=2)
    def _two(data):
        return {**data, "aliases": []}

    assert registry.upcast("test.evolving", 1, {"title": "x"}) == {"name": "x", "aliases": []}
    with pytest.raises(EventDefinitionError, match="newer than this program"):
        registry.upcast("test.evolving", 4, {})
    with pytest.raises(EventDefinitionError, match="already has an upcaster"):
        registry.upcaster("test.evolving", from_version=1)(_one)

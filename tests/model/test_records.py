"""`record` behaves as the `dataclass(frozen=True, slots=True)` it replaces."""

from __future__ import annotations

import copy
import pickle
from typing import ClassVar

import pytest

from trustlint.model import Location
from trustlint.passed import PassedLocation
from trustlint.records import (
    COMPILE_AFTER,
    FrozenInstanceError,
    field,
    fields,
    is_record,
    record,
    replace,
)


@record
class Point:
    """A point."""

    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list, compare=False)
    note: str = field(default="", repr=False)


@record(order=True)
class Version:
    major: int
    minor: int


@record
class Single:
    value: str


@record
class Empty:
    pass


@record(eq=False)
class ByIdentity:
    name: str


@record(frozen=False)
class Counter:
    count: int = 0
    seen: dict[str, int] = field(default_factory=dict)


@record
class Labelled(Point):
    label: str = "origin"


@record
class Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


@record
class OwnRepr:
    name: str

    def __repr__(self) -> str:
        return f"<{self.name}>"


def test_init_takes_positional_keyword_and_default_arguments() -> None:
    assert Point(1).y == 0
    assert Point(1, 2).y == 2
    assert Point(y=5, x=4) == Point(4, 5)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, [], "", "too many")  # type: ignore[call-arg]


def test_default_factory_makes_a_new_value_per_instance() -> None:
    first, second = Point(1), Point(1)
    first.tags.append("a")
    assert second.tags == []
    assert Point(1, tags=["given"]).tags == ["given"]


def test_equality_reads_the_compared_fields_of_the_same_class_only() -> None:
    assert Point(1, 2, ["a"]) == Point(1, 2, ["b"])  # `tags` is not compared
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != Labelled(1, 2)
    assert Point(1, 2).__eq__((1, 2)) is NotImplemented
    assert Single("a") == Single("a") and Single("a") != Single("b")
    assert Empty() == Empty()


def test_frozen_records_hash_on_the_compared_fields() -> None:
    assert hash(Point(1, 2, ["a"])) == hash(Point(1, 2, ["b"]))
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2
    assert len({Single("a"), Single("a")}) == 1
    assert hash(Empty()) == hash(Empty())


def test_mutable_records_are_unhashable_and_assignable() -> None:
    counter = Counter()
    counter.count += 1
    counter.seen["x"] = 1
    assert counter == Counter(1, {"x": 1})
    with pytest.raises(TypeError):
        hash(counter)


def test_eq_false_compares_and_hashes_by_identity() -> None:
    one, other = ByIdentity("a"), ByIdentity("a")
    assert one != other and one == [one][0]
    assert len({one, other}) == 2


def test_frozen_records_refuse_assignment_and_deletion() -> None:
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del point.x
    with pytest.raises(FrozenInstanceError):
        point.other = 1  # type: ignore[attr-defined]


def test_records_are_slotted() -> None:
    assert not hasattr(Point(1), "__dict__")
    assert vars(Point)["__slots__"] == ("x", "y", "tags", "note")
    with pytest.raises(AttributeError):
        Counter().extra = 1  # type: ignore[attr-defined]


def test_order_compares_the_fields_as_a_tuple() -> None:
    assert Version(1, 2) < Version(1, 10) <= Version(1, 10) < Version(2, 0)
    assert Version(3, 0) > Version(2, 9) >= Version(2, 9)
    assert sorted([Version(2, 0), Version(1, 5), Version(1, 4)]) == [
        Version(1, 4),
        Version(1, 5),
        Version(2, 0),
    ]
    with pytest.raises(TypeError):
        _ = Version(1, 0) < (1, 0)  # type: ignore[operator]


def test_repr_names_the_shown_fields() -> None:
    assert repr(Point(1, 2, ["a"], "hidden")) == "Point(x=1, y=2, tags=['a'])"
    assert repr(Empty()) == "Empty()"
    assert repr(OwnRepr("kept")) == "<kept>"


def test_pickle_and_copy_give_an_equal_record_of_the_same_class() -> None:
    for value in (
        Point(1, 2, ["a"], "n"),
        Labelled(1, 2, label="x"),
        Single("s"),
        Empty(),
        Version(1, 2),
        Counter(3, {"a": 1}),
    ):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            loaded = pickle.loads(pickle.dumps(value, protocol))
            assert type(loaded) is type(value) and loaded == value
        assert copy.copy(value) == value and copy.deepcopy(value) == value
    restored = pickle.loads(pickle.dumps(Point(1, 2, ["a"], "n")))
    assert restored.tags == ["a"] and restored.note == "n"


def test_fields_and_replace_stand_in_for_their_dataclasses_namesakes() -> None:
    point = Labelled(1, 2, label="here")
    assert [item.name for item in fields(point)] == ["x", "y", "tags", "note", "label"]
    assert fields(Labelled) == fields(point)
    assert [item.compare for item in fields(Point)] == [True, True, False, True]
    assert replace(point, y=7) == Labelled(1, 7, label="here")
    assert replace(point, y=7).label == "here"
    assert replace(Single("a"), value="b") == Single("b")
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(point, z=1)
    assert is_record(point) and not is_record(Labelled) and not is_record((1, 2))
    with pytest.raises(TypeError):
        fields((1, 2))


def test_a_class_that_dataclass_would_refuse_is_refused_when_made() -> None:
    with pytest.raises(TypeError, match="non-default field 'late'"):

        @record
        class Misordered:
            early: int = 0
            late: int  # type: ignore[misc]

    with pytest.raises(ValueError, match="mutable default list"):

        @record
        class SharedDefault:
            items: list[int] = []

    with pytest.raises(ValueError, match="both default and default_factory"):
        field(default=1, default_factory=int)  # type: ignore[call-overload]


def test_class_variables_are_not_fields() -> None:
    @record
    class WithConstant:
        LIMIT: ClassVar[int] = 3
        value: int

    assert [item.name for item in fields(WithConstant)] == ["value"]
    assert WithConstant(1).LIMIT == 3


def test_init_is_compiled_once_a_class_has_made_many_instances() -> None:
    @record
    class Lazy:
        value: int

    generic = vars(Lazy)["__init__"]
    for number in range(COMPILE_AFTER - 1):
        assert Lazy(number).value == number
    assert vars(Lazy)["__init__"] is generic
    assert Lazy(value=7).value == 7  # the instance that compiles it is made by it
    compiled = vars(Lazy)["__init__"]
    assert compiled is not generic and compiled.__qualname__.endswith("Lazy.__init__")
    assert Lazy(8).value == 8


def _made(kind: type, args: tuple[object, ...], kwargs: dict[str, object]) -> object:
    """What calling `kind` gives: its fields' values, or the error's type and message."""
    try:
        made = kind(*args, **kwargs)
    except TypeError as error:
        return ("TypeError", str(error))
    return tuple(getattr(made, item.name) for item in fields(made))


def _fresh_pair() -> tuple[type, type]:
    """One class binding arguments generically, one with its `__init__` compiled."""

    def make() -> type:
        @record
        class Sample:
            first: str
            second: int = 2
            items: list[str] = field(default_factory=lambda: ["made"])
            last: str = "z"

        return Sample

    generic, compiled = make(), make()
    for _ in range(COMPILE_AFTER):
        compiled("warm")
    return generic, compiled


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("a",), {}),
        (("a", 5), {}),
        (("a", 5, ["x"], "y"), {}),
        ((), {"first": "a"}),
        ((), {"last": "q", "first": "a", "items": []}),
        (("a",), {"second": 9}),
        ((), {}),
        (("a", 5, ["x"], "y", "extra"), {}),
        (("a",), {"first": "b"}),
        (("a",), {"unknown": 1}),
        ((), {"second": 1}),
    ],
)
def test_the_generic_init_binds_as_the_compiled_one(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    generic, compiled = _fresh_pair()
    assert vars(generic)["__init__"] is not vars(compiled)["__init__"]
    assert _made(generic, args, kwargs) == _made(compiled, args, kwargs)


def test_the_generic_init_makes_a_new_default_each_time_and_runs_post_init() -> None:
    generic, _ = _fresh_pair()
    first, second = generic("a"), generic("b")
    assert first.items == ["made"] and first.items is not second.items  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="low above high"):
        Checked(3, 2)
    assert Checked(low=1, high=2).high == 2


def test_post_init_runs_after_the_fields_are_set() -> None:
    assert Checked(1, 2).high == 2
    with pytest.raises(ValueError, match="low above high"):
        Checked(3, 2)


def test_methods_the_class_defines_are_kept() -> None:
    # `PassedLocation` compares as the plain `Location` at its place.
    plain = Location("a.yaml", 1, 2, 1, 9)
    passed = PassedLocation("a.yaml", 1, 2, 1, 9, used_in="module.x")
    assert passed == plain and plain == passed
    assert hash(passed) == hash(("a.yaml", 1, 2, 1, 9))
    assert sorted([Location("a.yaml", 3, 1, 3, 2), passed]) == [
        passed,
        Location("a.yaml", 3, 1, 3, 2),
    ]


def test_init_is_named_for_its_class() -> None:
    for _ in range(COMPILE_AFTER):
        Point(0)
    assert Point.__init__.__qualname__ == "Point.__init__"
    assert Point.__init__.__module__ == __name__

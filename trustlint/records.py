"""Record classes that cost little to define: `record` in place of `dataclass`.

Every run, a one-file pre-commit run included, imports about a hundred model,
graph and config classes before it reads a file. On CPython 3.11,
`dataclass(frozen=True, slots=True)` compiles six methods of each class from
source (`__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__`,
`__delattr__`), about 0.55 ms a class, and importing `dataclasses` imports
`inspect`: together a third of a one-file run. A `record` is the same slotted
class with the same behaviour, made for less:

- `__init__` is compiled from the fields, as `dataclass` writes it, but only
  once a class has made `COMPILE_AFTER` instances (until then the arguments
  are bound by a generic function): a run pays only for the classes it uses
  much;
- the other methods are functions shared by every record, reading a class's
  fields through one `operator.attrgetter` (in C): equal when of the same
  class with equal compared fields (else `NotImplemented`); hashed on those
  fields when frozen, unhashable when mutable, by identity with `eq=False`;
  with `order=True`, ordered as the tuple of compared fields; `repr` as
  `Name(field=value, ...)`; frozen: assigning or deleting an attribute raises
  `FrozenInstanceError`;
- pickled as the class and its field values, so that loading one calls
  `__init__`: faster than restoring slots one by one, and the only way into
  a frozen instance.

A method the class body defines itself is kept. Fields are declared as for
`dataclass`: annotations, with a default or a `field(...)`; a subclass of a
record adds its fields after its base's. `fields` and `replace` stand in for
their `dataclasses` namesakes.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Any, ClassVar, TypeVar, dataclass_transform, overload

_Class = TypeVar("_Class", bound=type)
_Record = TypeVar("_Record")
_Value = TypeVar("_Value")


class FrozenInstanceError(AttributeError):
    """An attribute of a frozen record was assigned or deleted."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""No default (a field's `default` or `default_factory`)."""


class Field:
    """A record's field: its name, default and roles."""

    __slots__ = ("compare", "default", "default_factory", "name", "repr")

    def __init__(
        self,
        default: Any,
        default_factory: Any,
        repr: bool,
        compare: bool,
    ) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field(name={self.name!r})"


@overload
def field(*, default: _Value, repr: bool = True, compare: bool = True) -> _Value: ...


@overload
def field(
    *,
    default_factory: Callable[[], _Value],
    repr: bool = True,
    compare: bool = True,
) -> _Value: ...


def field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    """A field's default (or what makes it) and whether `repr` shows it and `==` compares it."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, repr, compare)


@overload
def record(cls: _Class, /) -> _Class: ...


@overload
def record(
    *, frozen: bool = True, eq: bool = True, order: bool = False
) -> Callable[[_Class], _Class]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(
    cls: _Class | None = None,
    /,
    *,
    frozen: bool = True,
    eq: bool = True,
    order: bool = False,
) -> Any:
    """A slotted data class, frozen unless `frozen=False` (see the module docstring)."""
    if order and not eq:
        raise ValueError("eq must be true if order is true")

    def wrap(cls: _Class) -> _Class:
        return _make(cls, frozen=frozen, eq=eq, order=order)

    return wrap if cls is None else wrap(cls)


def fields(item: Any) -> tuple[Field, ...]:
    """The fields of a record or record class, in `__init__`'s order."""
    found: tuple[Field, ...] | None = getattr(item, "__record_fields__", None)
    if found is None:
        raise TypeError(f"not a record: {item!r}")
    return found


def is_record(item: Any) -> bool:
    """Whether `item` is a record (an instance, not a record class)."""
    return hasattr(type(item), "__record_fields__")


def replace(item: _Record, /, **changes: Any) -> _Record:
    """A copy of the record `item` with the fields named in `changes` given those values."""
    kind: Any = type(item)
    values = list(kind.__record_values__(item))
    positions = kind.__record_positions__
    for name, value in changes.items():
        position = positions.get(name)
        if position is None:
            raise TypeError(f"{kind.__name__} has no field {name!r}")
        values[position] = value
    return kind(*values)  # type: ignore[no-any-return]


def _make(cls: _Class, *, frozen: bool, eq: bool, order: bool) -> _Class:
    namespace = dict(cls.__dict__)
    inherited: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for item in base.__dict__.get("__record_fields__", ()):
            inherited[item.name] = item
    own = _own_fields(cls, namespace)
    every = {**inherited, **own}
    _check_defaults(cls, every.values())
    names = tuple(every)
    for name in own:
        namespace.pop(name, None)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace["__slots__"] = tuple(name for name in own if name not in inherited)
    namespace["__record_fields__"] = tuple(every.values())
    namespace["__record_values__"] = _tuple_getter(names)
    namespace["__record_positions__"] = {name: position for position, name in enumerate(names)}
    namespace["__record_key__"] = _getter(tuple(f.name for f in every.values() if f.compare))
    namespace["__record_repr__"] = tuple(f.name for f in every.values() if f.repr)
    namespace["__match_args__"] = names
    explicit_hash = "__hash__" in cls.__dict__ and not (
        cls.__dict__["__hash__"] is None and "__eq__" in cls.__dict__
    )
    methods: dict[str, Any] = {"__repr__": _repr, "__reduce__": _reduce}
    if eq:
        methods["__eq__"] = _eq
        if not explicit_hash:
            namespace["__hash__"] = _hash if frozen else None
    if order:
        methods.update(__lt__=_lt, __le__=_le, __gt__=_gt, __ge__=_ge)
    if frozen:
        methods.update(__setattr__=_frozen_setattr, __delattr__=_frozen_delattr)
    for name, method in methods.items():
        if name not in cls.__dict__:
            namespace[name] = method
    made: Any = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    if "__init__" not in cls.__dict__:
        made.__init__ = _first_init(made, frozen)
    return made  # type: ignore[no-any-return]


def _own_fields(cls: type, namespace: dict[str, Any]) -> dict[str, Field]:
    """The fields the class body declares: its annotations, less `ClassVar`s."""
    found: dict[str, Field] = {}
    for name, annotation in namespace.get("__annotations__", {}).items():
        if _class_variable(annotation):
            continue
        given = namespace.get(name, MISSING)
        declared = given if isinstance(given, Field) else Field(given, MISSING, True, True)
        declared.name = name
        found[name] = declared
    return found


def _class_variable(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or getattr(annotation, "__origin__", None) is ClassVar


def _check_defaults(cls: type, every: Any) -> None:
    """What `dataclass` refuses when the class is made, refused at the same moment."""
    defaulted = False
    for item in every:
        has_default = item.default is not MISSING or item.default_factory is not MISSING
        if defaulted and not has_default:
            raise TypeError(f"{cls.__name__}: non-default field {item.name!r} follows a default")
        defaulted = defaulted or has_default
        if item.default is not MISSING and type(item.default).__hash__ is None:
            raise ValueError(
                f"{cls.__name__}.{item.name}: mutable default {type(item.default).__name__}"
                " is not allowed: use default_factory"
            )


def _getter(names: tuple[str, ...]) -> Callable[[Any], Any]:
    """The fields `names` of an instance as a tuple (the one value for one name).

    Neither an `attrgetter` nor a `partial` binds to the instance when read
    from it, as a function would: each is a class attribute called as is.
    """
    if not names:
        return partial(_no_fields)
    return attrgetter(*names)


def _tuple_getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The fields `names` of an instance as a tuple, whatever their number."""
    if len(names) == 1:
        return partial(_one_field, attrgetter(names[0]))
    return _getter(names)


def _no_fields(_: object) -> tuple[()]:
    return ()


def _one_field(getter: Callable[[Any], Any], instance: object) -> tuple[Any]:
    return (getter(instance),)


COMPILE_AFTER = 100
"""Instances a record class makes through the generic `__init__` before its own is compiled."""


def _first_init(cls: Any, frozen: bool) -> Callable[..., None]:
    """An `__init__` that binds the arguments itself until the class has made
    `COMPILE_AFTER` instances, then compiles the class's own and puts it in its place.

    Compiling costs 0.1-0.5 ms a class (more with more fields); a one-file
    run makes fewer than 100 instances of most of the 50 classes it uses, so
    most never pay it. A class that makes many pays it once, then runs at the
    compiled speed.
    """
    made = 0

    def init_until_compiled(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal made
        made += 1
        if made < COMPILE_AFTER and _bind(cls, self, args, kwargs):
            return
        # Arguments that do not fit are told apart by the compiled `__init__`,
        # in Python's own words.
        init = _compile_init(cls, frozen)
        cls.__init__ = init
        init(self, *args, **kwargs)

    init_until_compiled.__qualname__ = f"{cls.__qualname__}.__init__"
    return init_until_compiled


def _bind(cls: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Set the fields as the compiled `__init__` would; False, with nothing
    set, when the arguments do not fit the fields."""
    every = cls.__record_fields__
    if len(args) > len(every) or any(key not in cls.__record_positions__ for key in kwargs):
        return False
    values = []
    for position, item in enumerate(every):
        if position < len(args):
            if item.name in kwargs:
                return False
            values.append(args[position])
        elif item.name in kwargs:
            values.append(kwargs[item.name])
        elif item.default is not MISSING:
            values.append(item.default)
        elif item.default_factory is not MISSING:
            values.append(item.default_factory())
        else:
            return False
    for item, value in zip(every, values, strict=True):
        object.__setattr__(instance, item.name, value)
    if hasattr(cls, "__post_init__"):
        instance.__post_init__()
    return True


def _compile_init(cls: Any, frozen: bool) -> Callable[..., None]:
    """`__init__` compiled for the class's fields, as `dataclass` writes it."""
    scope: dict[str, Any] = {"__set": object.__setattr__, "__MISSING": MISSING}
    parameters: list[str] = []
    body: list[str] = []
    for item in cls.__record_fields__:
        name = item.name
        value = name
        if item.default is not MISSING:
            scope[f"__default_{name}"] = item.default
            parameters.append(f"{name}=__default_{name}")
        elif item.default_factory is not MISSING:
            scope[f"__factory_{name}"] = item.default_factory
            parameters.append(f"{name}=__MISSING")
            value = f"__factory_{name}() if {name} is __MISSING else {name}"
        else:
            parameters.append(name)
        body.append(f"__set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__({', '.join(['self', *parameters])}):\n"
    source += "".join(f"    {line}\n" for line in body or ["pass"])
    exec(source, scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{type(self).__qualname__}({shown})"


def _reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
    return type(self), self.__record_values__(self)


def _hash(self: Any) -> int:
    return hash(self.__record_key__(self))


def _comparison(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The method applying `compare` to the compared fields of two records of one class."""

    def method(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            key = self.__record_key__
            return compare(key(self), key(other))
        return NotImplemented

    method.__name__ = method.__qualname__ = f"__{compare.__name__}__"
    return method


_eq, _lt, _le, _gt, _ge = map(
    _comparison, (operator.eq, operator.lt, operator.le, operator.gt, operator.ge)
)


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")

"""HCL expressions evaluated into the located tree: the Terraform front-end's engine.

The expressions IAM policies are written with are evaluated by an `Evaluator`
in a `Scope` (what names mean there): literals, templates and heredocs
(`hcl_templates`), objects and tuples, conditionals (`tree.Alternatives` when
undecided), `for` expressions, splats, and the functions policies use
(`hcl_functions`). What a `Scope` cannot resolve, what Terraform itself would
reject, and every function not modelled becomes an `Unknown`; nothing is
guessed. The values it yields are described in `hcl_values`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tree_sitter import Node

from trustlint import budgets
from trustlint.budgets import LimitReachedError
from trustlint.frontends.terraform.hcl_functions import FUNCTIONS, Call, apply_function
from trustlint.frontends.terraform.hcl_operations import (
    apply_steps,
    binary_value,
    iteration,
    lift,
    number_text,
    parse_number,
    same_value,
    template_text,
    truth_of,
    unary_value,
    without_nulls,
)
from trustlint.frontends.terraform.hcl_syntax import (
    HclFile,
    decode_escapes,
    read_body,
    string_content,
)
from trustlint.frontends.terraform.hcl_templates import TemplateRenderer
from trustlint.frontends.terraform.hcl_values import EvalError, Site, Step, clip, with_null_key
from trustlint.model import Location, Unknown
from trustlint.tree import Alternatives, Branch, LList, LMap


class EvalBudget:
    """Depth of the evaluation in progress, shared by every evaluator of one load."""

    __slots__ = ("depth", "limit")

    def __init__(self, limit: int) -> None:
        self.depth = 0
        self.limit = limit


class Scope:
    """What names mean where an expression is evaluated. This base resolves nothing."""

    def reference(self, name: str, steps: Sequence[Step], site: Site) -> tuple[Any, int]:
        """The value of `name` followed by some of `steps`, and how many steps it used."""
        return site.unknown(f"'{name}' is not known here"), len(steps)

    def read_file(self, path: str, site: Site) -> Any:
        """`file(path)`: a `MappedStr` of the file, or `Unknown`; `EvalError` if missing."""
        return site.unknown("files are not read here")

    def template_scope(self) -> Scope:
        """The scope of a `templatefile` template: only its variables and functions."""
        return _TemplateScope(self)


class _TemplateScope(Scope):
    def __init__(self, parent: Scope) -> None:
        self._parent = parent

    def read_file(self, path: str, site: Site) -> Any:
        return self._parent.read_file(path, site)


class _TooDeepError(Exception):
    pass


_BINARY_OPERATORS = frozenset(
    {"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||"}
)


class Evaluator:
    """Evaluates expressions of one file in one scope, with local bindings.

    `evaluate` never raises: what cannot be resolved is `Unknown`.
    """

    __slots__ = ("bindings", "budget", "file", "scope")

    def __init__(
        self,
        file: HclFile,
        scope: Scope,
        bindings: Mapping[str, Any] | None = None,
        budget: EvalBudget | None = None,
    ) -> None:
        self.file = file
        self.scope = scope
        self.bindings: Mapping[str, Any] = bindings or {}
        self.budget = budget or EvalBudget(256 + 64)

    def with_bindings(self, extra: Mapping[str, Any]) -> Evaluator:
        return Evaluator(self.file, self.scope, {**self.bindings, **extra}, self.budget)

    def for_file(self, file: HclFile) -> Evaluator:
        return Evaluator(file, self.scope, self.bindings, self.budget)

    def for_template(self, file: HclFile, variables: Mapping[str, Any]) -> Evaluator:
        """An evaluator of the template `file` as `templatefile` renders it."""
        return Evaluator(file, self.scope.template_scope(), dict(variables), self.budget)

    def site(self, node: Node) -> Site:
        return Site(clip(self.file.node_text(node)), self.file.location(node))

    def evaluate(self, node: Node) -> Any:
        try:
            return self.evaluate_or_raise(node)
        except EvalError as error:
            return self.site(node).unknown(str(error))

    def evaluate_or_raise(self, node: Node) -> Any:
        """Like `evaluate`, but an expression Terraform rejects raises `EvalError`."""
        try:
            return self.evaluate_nested(node)
        except _TooDeepError:
            return self.site(node).unknown("expression nested too deeply to evaluate")
        except LimitReachedError as reached:
            return self.site(node).unknown(reached.reason)
        except RecursionError:
            return self.site(node).unknown("expression nested too deeply to evaluate")

    # One method for every node type keeps the Python stack shallow: a level
    # of HCL nesting costs one or two frames.
    def evaluate_nested(self, node: Node) -> Any:
        budget = self.budget
        budget.depth += 1
        if budget.depth > budget.limit:
            budget.depth -= 1
            raise _TooDeepError
        try:
            while True:
                kind = node.type
                if kind in (
                    "expression",
                    "collection_value",
                    "literal_value",
                    "operation",
                    "template_expr",
                    "for_expr",
                ):
                    children = node.children
                    if len(children) == 1:
                        node = children[0]
                        continue
                    return self._term(children)
                if kind == "numeric_lit":
                    return parse_number(self.file.node_text(node))
                if kind == "bool_lit":
                    return self.file.node_text(node) == "true"
                if kind == "null_lit":
                    return None
                if kind == "string_lit":
                    return decode_escapes(string_content(self.file, node))
                if kind in ("quoted_template", "heredoc_template"):
                    return self._template(node)
                if kind == "tuple":
                    result = LList(self.file.location(node))
                    for child in node.children:
                        if child.type == "expression":
                            result.add(self.evaluate_nested(child), self.file.location(child))
                    return result
                if kind == "object":
                    return self._object(node)
                if kind == "variable_expr":
                    return self._term([node])
                if kind == "function_call":
                    return self._call(node)
                if kind == "conditional":
                    return self._conditional(node)
                if kind == "binary_operation":
                    return self._binary(node)
                if kind == "unary_operation":
                    return self._unary(node)
                if kind == "for_tuple_expr":
                    return self._for(node, as_object=False)
                if kind == "for_object_expr":
                    return self._for(node, as_object=True)
                return self.site(node).unknown(f"unsupported expression ({kind})")
        except LimitReachedError as reached:
            # The expression that would pass a limit is unknown, not all around it:
            # a literal "*" beside it is still read.
            return self.site(node).unknown(reached.reason)
        finally:
            budget.depth -= 1

    # -- terms and traversals ------------------------------------------------

    def _term(self, nodes: Sequence[Node]) -> Any:
        first = nodes[0]
        if first.type == "(":
            postfix = nodes[3:]
            base = self.evaluate_nested(nodes[1])
        else:
            postfix = nodes[1:]
            if first.type == "variable_expr":
                return self._reference(first, postfix, nodes)
            base = self.evaluate_nested(first)
        if not postfix:
            return base
        site = Site(
            clip(self.file.slice_text(nodes[0].start_byte, nodes[-1].end_byte)),
            self.file.span(nodes[0], nodes[-1]),
        )
        return apply_steps(base, self._steps(postfix), site)

    def _reference(self, variable: Node, postfix: Sequence[Node], nodes: Sequence[Node]) -> Any:
        name = self.file.node_text(variable)
        steps = self._steps(postfix)
        site = Site(
            clip(self.file.slice_text(nodes[0].start_byte, nodes[-1].end_byte)),
            self.file.span(nodes[0], nodes[-1]),
        )
        if name in self.bindings:
            return apply_steps(self.bindings[name], steps, site)
        value, used = self.scope.reference(name, steps, site)
        return apply_steps(value, steps[used:], site)

    def _steps(self, postfix: Sequence[Node]) -> list[Step]:
        steps: list[Step] = []
        for node in postfix:
            kind = node.type
            if kind == "get_attr":
                steps.append(Step("attr", self.file.node_text(node.children[-1])))
            elif kind == "index":
                inner = node.children[0]
                if inner.type == "legacy_index":
                    steps.append(Step("index", parse_number(self.file.node_text(inner)[1:])))
                else:
                    key_node = next(c for c in inner.children if c.type == "expression")
                    steps.append(Step("index", self.evaluate_nested(key_node)))
            elif kind == "splat":
                inner = node.children[0]
                steps.append(Step("splat", sub=tuple(self._steps(inner.children[1:]))))
        return steps

    # -- constructors ----------------------------------------------------------

    def _object(self, node: Node) -> Any:
        location = self.file.location(node)
        result = LMap(location)
        for element in node.children:
            if element.type != "object_elem":
                continue
            expressions = [c for c in element.children if c.type == "expression"]
            if len(expressions) != 2:
                continue
            key_node, value_node = expressions
            key = self._object_key(key_node)
            if isinstance(key, Unknown):
                return Unknown(
                    clip(self.file.node_text(node)),
                    location,
                    f"an object key is not known: {key.text}",
                )
            value = without_nulls(self.evaluate_nested(value_node))
            if value is None:
                # Left out of the map (a policy omits it), yet read as null.
                result = with_null_key(result, key)
                continue
            result.put(key, value, self.file.location(key_node), self.file.location(value_node))
        return result

    def _object_key(self, node: Node) -> str | Unknown:
        children = node.children
        if len(children) == 1 and children[0].type == "variable_expr":
            return self.file.node_text(children[0])
        key = self.evaluate_nested(node)
        if isinstance(key, str):
            return str(key)
        if isinstance(key, bool):
            return "true" if key else "false"
        if isinstance(key, int | float):
            return number_text(key)
        if isinstance(key, Unknown):
            return key
        return self.site(node).unknown("an object key must be a string")

    def _conditional(self, node: Node) -> Any:
        choices, otherwise = _conditional_chain(node)
        undecided: list[tuple[str, Node, Node]] = []
        chosen = otherwise
        for position, (condition_node, result_node) in enumerate(choices):
            decided = truth_of(self.evaluate_nested(condition_node))
            if decided is None:
                raise EvalError("a condition must be true or false")
            if decided is True:
                chosen = result_node
                break
            if decided == "unknown":
                rest = choices[position + 1][0] if position + 1 < len(choices) else otherwise
                label = clip(self.file.node_text(condition_node), 80)
                undecided.append((label, result_node, rest))
        result = self.evaluate_nested(chosen)
        for label, result_node, rest in reversed(undecided):
            result = self._either(label, result_node, result, self.file.span(rest, chosen), node)
        return result

    def _either(
        self, label: str, true_node: Node, when_false: Any, false_location: Location, whole: Node
    ) -> Any:
        """`c ? a : b` when `c` is not known: both, unless one is impossible."""
        try:
            when_true = self.evaluate_nested(true_node)
        except EvalError:
            # Terraform would reject the plan were the condition true.
            return when_false
        if isinstance(when_true, Unknown) and isinstance(when_false, Unknown):
            return Unknown(
                clip(self.file.node_text(whole)), self.file.location(whole), f"depends on {label}"
            )
        if same_value(when_true, when_false):
            return when_true
        return Alternatives(
            (
                Branch(f"{label}=true", when_true, self.file.location(true_node)),
                Branch(f"{label}=false", when_false, false_location),
            ),
            self.file.location(whole),
        )

    def _for(self, node: Node, *, as_object: bool) -> Any:
        site = self.site(node)
        intro = next(c for c in node.children if c.type == "for_intro")
        names = [self.file.node_text(c) for c in intro.children if c.type == "identifier"]
        collection_node = next(c for c in intro.children if c.type == "expression")
        bodies = [c for c in node.children if c.type == "expression"]
        condition = next((c for c in node.children if c.type == "for_cond"), None)
        condition_node = (
            next(c for c in condition.children if c.type == "expression") if condition else None
        )
        grouping = any(c.type == "ellipsis" for c in node.children)
        collection = self.evaluate_nested(collection_node)
        if isinstance(collection, Unknown | Alternatives):
            return site.unknown("iterates over a value that is not known")
        location = site.location
        budget = budgets.current()
        if isinstance(collection, list | dict):
            budget.iterate(len(collection), location, "a for expression")
        items = iteration(collection)
        if items is None:
            raise EvalError("a for expression needs a list, set or map")
        result: Any = LMap(location) if as_object else LList(location)
        for key, value, item_location in items:
            budget.tick(location)
            bound = {names[0]: key, names[1]: value} if len(names) == 2 else {names[0]: value}
            inner = self.with_bindings(bound)
            if condition_node is not None:
                keep = truth_of(inner.evaluate_nested(condition_node))
                if keep is None:
                    raise EvalError("a for condition must be true or false")
                if keep == "unknown":
                    return site.unknown("a for condition is not known")
                if not keep:
                    continue
            if as_object:
                key_value = inner.evaluate_nested(bodies[0])
                element = inner.evaluate_nested(bodies[1])
                if isinstance(key_value, Unknown | Alternatives):
                    return site.unknown("a key of the for expression is not known")
                text_key = template_text(key_value)
                if isinstance(text_key, Unknown):
                    return site.unknown("a key of the for expression is not known")
                if grouping:
                    group = result.get(text_key)
                    if group is None:
                        group = LList(location)
                        result.put(text_key, group, location, location)
                    group.add(element, self.file.location(bodies[1]))
                elif text_key in result:
                    raise EvalError(f"duplicate key '{text_key}' in a for expression")
                else:
                    result.put(text_key, element, location, self.file.location(bodies[1]))
            else:
                result.add(inner.evaluate_nested(bodies[0]), item_location)
        return result

    # -- operators --------------------------------------------------------------

    def _binary(self, node: Node) -> Any:
        # `a + b + c` nests on the left: collect the chain, then fold it.
        chain: list[tuple[str, Sequence[Node], Node]] = []
        current = node
        while True:
            children = current.children
            index = next(
                i
                for i, child in enumerate(children)
                if i > 0 and not child.is_named and child.type in _BINARY_OPERATORS
            )
            chain.append((children[index].type, children[index + 1 :], current))
            left_nodes = children[:index]
            inner = _unwrap_single(left_nodes[0]) if len(left_nodes) == 1 else None
            if inner is None or inner.type != "binary_operation":
                break
            current = inner
        value = self._term(left_nodes)
        for operator, right_nodes, operation in reversed(chain):
            truth = truth_of(value)
            if operator in ("&&", "||") and truth is None:
                raise EvalError(f"'{operator}' needs true or false")
            if (operator, truth) in (("&&", False), ("||", True)):
                continue
            right = self._term(right_nodes)
            value = lift(
                (value, right),
                lambda a, b, operator=operator: binary_value(operator, a, b),
                self.site(operation),
            )
        return value

    def _unary(self, node: Node) -> Any:
        operators: list[str] = []
        current = node
        while True:
            children = current.children
            operators.append(children[0].type)
            inner = _unwrap_single(children[1]) if len(children) == 2 else None
            if inner is None or inner.type != "unary_operation":
                break
            current = inner
        value = self._term(children[1:])
        site = self.site(node)
        for operator in reversed(operators):
            value = lift((value,), lambda v, operator=operator: unary_value(operator, v), site)
        return value

    # -- function calls ----------------------------------------------------------

    def _call(self, node: Node) -> Any:
        name = self.file.node_text(node.children[0])
        site = self.site(node)
        arguments = next((c for c in node.children if c.type == "function_arguments"), None)
        argument_nodes = (
            [c for c in arguments.children if c.type == "expression"] if arguments else []
        )
        expand_last = arguments is not None and any(
            c.type == "ellipsis" for c in arguments.children
        )
        if name in ("try", "can") and not expand_last:
            return self._try(name, argument_nodes, site)
        function = FUNCTIONS.get(name)
        if function is None:
            return site.unknown(f"function {name}() is not evaluated")
        args = [self.evaluate_nested(argument) for argument in argument_nodes]
        if expand_last and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return site.unknown("expands a list that is not known")
            if not isinstance(last, list):
                raise EvalError("'...' needs a list")
            args.extend(last)
        return apply_function(function, Call(self, site, name), args)

    def _try(self, name: str, argument_nodes: Sequence[Node], site: Site) -> Any:
        if name == "can":
            if len(argument_nodes) != 1:
                raise EvalError("can() takes one argument")
            try:
                value = self.evaluate_nested(argument_nodes[0])
            except EvalError:
                return False
            if isinstance(value, Unknown | Alternatives):
                return site.unknown("its argument is not known")
            return True
        for argument in argument_nodes:
            try:
                return self.evaluate_nested(argument)
            except EvalError:
                continue
        raise EvalError("no argument of try() could be evaluated")

    # -- templates -------------------------------------------------------------------

    def _template(self, node: Node) -> Any:
        renderer = TemplateRenderer(self, node)
        return renderer.render()

    def render_template_file(self, file: HclFile, trailing_newline: bool) -> Any:
        """The value of a template file wrapped as the heredoc `t` by `templatefile`."""
        body = read_body(file)
        attribute = body.attributes.get("t")
        if attribute is None or file.root.has_error:
            raise EvalError("the template has a syntax error")
        node = attribute.expression
        while node.type in ("expression", "template_expr") and node.child_count == 1:
            node = node.children[0]
        renderer = TemplateRenderer(self.for_file(file), node)
        renderer.drop_final_newline = not trailing_newline
        return renderer.render()


def _conditional_chain(node: Node) -> tuple[list[tuple[Node, Node]], Node]:
    """The (condition, result) pairs and final result of `c1 ? r1 : c2 ? r2 : e`.

    HCL reads a chain from the right, `c1 ? r1 : (c2 ? r2 : e)`; tree-sitter-hcl
    nests it on the left, `(c1 ? r1 : c2) ? r2 : e`. The chain is rebuilt from
    the innermost condition, without recursion however long it is.
    """
    spine: list[tuple[Node, Node, Node]] = []
    current = node
    while True:
        condition, result, otherwise = (c for c in current.children if c.type == "expression")
        spine.append((condition, result, otherwise))
        inner = _unwrap_single(condition)
        if inner.type != "conditional":
            break
        current = inner
    spine.reverse()
    conditions = [spine[0][0]] + [otherwise for _, _, otherwise in spine[:-1]]
    results = [result for _, result, _ in spine]
    return list(zip(conditions, results, strict=True)), spine[-1][2]


def _unwrap_single(node: Node) -> Node:
    """The node an `expression` or `operation` wrapper with one child stands for."""
    while node.type in ("expression", "operation") and node.child_count == 1:
        node = node.children[0]
    return node

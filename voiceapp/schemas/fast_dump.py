"""A faster dump for the API's list pages, compiled from their marshmallow schemas.

marshmallow stays the schema of record (OpenAPI, loading, every other answer): this only
turns a schema's declared fields into one plain function per schema, so that a 50-row page
does not pay marshmallow's per-field machinery (about 2 ms per page). A schema whose fields
or hooks the compiler does not know is dumped by marshmallow as before.
tests/unit/test_fast_dump.py checks the compiled dump against marshmallow's over every
field of every schema that uses it.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.utils import _get_value_for_key, get_value


class NotCompilable(Exception):
    """The schema uses something the compiler does not reproduce exactly."""


Dumper = Callable[[Any], Any]


def _getter(key: str) -> Callable[[Any], Any]:
    if "." in key:
        return lambda obj: get_value(obj, key, missing)

    def get(obj):
        # marshmallow tries obj[key] first on anything subscriptable (dicts, rows).
        if hasattr(obj, "__getitem__"):
            return _get_value_for_key(obj, key, missing)
        return getattr(obj, key, missing)

    return get


def _value_converter(field: fields.Field) -> Callable[[Any], Any]:
    """value -> its dumped form, for fields whose dump depends on the value alone."""
    kind = type(field)
    if kind in (fields.String, fields.Email, fields.URL):
        return lambda v: None if v is None else (v.decode() if isinstance(v, bytes) else str(v))
    if kind is fields.Integer and not field.as_string:
        return lambda v: None if v is None else int(v)
    if kind in (fields.Boolean, fields.Raw):
        return lambda v: v
    if kind is fields.Decimal and field.places is None and not field.allow_nan:
        if field.as_string:
            return lambda v: None if v is None else format(decimal.Decimal(str(v)), "f")
        return lambda v: None if v is None else decimal.Decimal(str(v))
    if kind in (fields.DateTime, fields.AwareDateTime, fields.NaiveDateTime, fields.Date):
        if (field.format or "iso") not in ("iso", "iso8601"):
            raise NotCompilable(f"{kind.__name__} format {field.format!r}")
        return lambda v: None if v is None else v.isoformat()
    if kind is fields.Dict and field.key_field is None and field.value_field is None:
        mapping = field.mapping_type
        return lambda v: None if v is None else mapping(v)
    if kind is fields.List:
        inner = field.inner
        if isinstance(inner, fields.Nested):
            nested = _nested_dumper(inner)
            return lambda v: None if v is None else [nested(each) for each in v]
        each = _value_converter(inner)
        return lambda v: None if v is None else [each(x) for x in v]
    if kind is fields.Nested:
        return _nested_dumper(field)
    raise NotCompilable(f"field type {kind.__name__}")


def _nested_dumper(field: fields.Nested) -> Dumper:
    schema = field.schema
    dump_one = compile_schema(schema)
    if schema.many or field.many:
        return lambda v: None if v is None else [dump_one(x) for x in v]
    return lambda v: None if v is None else dump_one(v)


def _field_dumper(schema: Schema, name: str, field: fields.Field):
    """(output key, fn(obj) -> value or missing)."""
    key = field.data_key if field.data_key is not None else name
    if type(field) is fields.Function:
        func = field.serialize_func
        if func is None:
            raise NotCompilable("Function field without a serialize function")
        return key, func
    if type(field) is fields.Method:
        method = field._serialize_method
        if method is None:
            raise NotCompilable("Method field without a serialize method")
        return key, method
    get = _getter(field.attribute if field.attribute is not None else name)
    convert = _value_converter(field)
    default = field.dump_default

    def dump(obj):
        value = get(obj)
        if value is missing:
            value = default() if callable(default) else default
            if value is missing:
                return missing
        return convert(value)

    return key, dump


def _plain_attribute(name: str, field: fields.Field) -> str | None:
    """The attribute a field reads when it is read as getattr(obj, attribute) with
    nothing to fill in when absent; None for the others (Function and Method fields,
    dotted attributes, dump defaults)."""
    if type(field) in (fields.Function, fields.Method) or field.dump_default is not missing:
        return None
    attribute = field.attribute if field.attribute is not None else name
    return None if "." in attribute else attribute


# Converters written out in the generated function, so that a field costs no call
# (`convert`: the field's own converter, for what the shortcut does not cover).
_INLINE = {
    fields.Integer: "None if v is None else int(v)",
    fields.Boolean: "v",
    fields.Raw: "v",
    fields.String: "v if v is None or type(v) is str else convert(v)",
    fields.Email: "v if v is None or type(v) is str else convert(v)",
    fields.URL: "v if v is None or type(v) is str else convert(v)",
}
_ISO_DATETIME = "None if v is None else v.isoformat()"


def compile_schema(schema: Schema) -> Dumper:
    """obj -> dict, as schema.dump(obj) for one object. NotCompilable when the schema has
    dump hooks or a field type this module does not reproduce.

    For an object read by attribute (a dataclass, a model: anything without
    __getitem__), the dump is one generated function: a look-up per field and the
    conversion written out, no loop and no call per field. The look-up reads the
    object's __dict__ first, where a model keeps its loaded columns and relationships
    (what SQLAlchemy's attribute would return, without its instrumentation: a third of
    a 50-row page's dump); what is not there (a property, an unloaded attribute, a slot)
    comes from getattr. Mappings and rows (read by key first, as marshmallow does) go
    through the per-field dumpers."""
    hooks = getattr(schema, "_hooks", {})
    if hooks.get("pre_dump") or hooks.get("post_dump"):
        raise NotCompilable("dump hooks")
    parts = [_field_dumper(schema, name, field) for name, field in schema.dump_fields.items()]

    def dump_by_parts(obj):
        out = {}
        for key, get in parts:
            value = get(obj)
            if value is not missing:
                out[key] = value
        return out

    names: dict[str, Any] = {"missing": missing, "by_parts": dump_by_parts, "NO_DICT": {}}
    lines = [
        "def dump(obj):",
        "    if hasattr(obj, '__getitem__'):",
        "        return by_parts(obj)",
        "    d = getattr(obj, '__dict__', NO_DICT)",
        "    out = {}",
    ]
    for n, ((key, get), (name, field)) in enumerate(
        zip(parts, schema.dump_fields.items(), strict=True)
    ):
        attribute = _plain_attribute(name, field)
        if attribute is None:
            # Its own dumper (a function of the object): defaults, dotted paths, functions.
            names[f"get_{n}"] = get
            lines += [
                f"    v = get_{n}(obj)",
                "    if v is not missing:",
                f"        out[{key!r}] = v",
            ]
            continue
        convert = _value_converter(field)
        names[f"convert_{n}"] = convert
        inline = _INLINE.get(type(field))
        if type(field) is fields.Integer and field.as_string:
            inline = None
        if type(field) in (fields.DateTime, fields.AwareDateTime, fields.NaiveDateTime):
            inline = _ISO_DATETIME  # _value_converter refused any other format
        inline = f"convert_{n}(v)" if inline is None else inline.replace("convert", f"convert_{n}")
        lines += [
            f"    v = d.get({attribute!r}, missing)",
            "    if v is missing:",
            f"        v = getattr(obj, {attribute!r}, missing)",
            "    if v is not missing:",
            f"        out[{key!r}] = {inline}",
        ]
    lines.append("    return out")
    # The source holds only names made here and reprs of the schema's keys.
    exec("\n".join(lines), names)
    return names["dump"]


class FastDumpSchema(Schema):
    """A schema whose dump() runs its compiled twin (marshmallow's own dump when the schema
    cannot be compiled). Loading and the OpenAPI document are marshmallow's as ever."""

    _fast_dump: Dumper | None = None
    _fast_checked = False

    def dump(self, obj, *, many: bool | None = None):
        if not self._fast_checked:
            try:
                self._fast_dump = compile_schema(self)
            except NotCompilable:
                self._fast_dump = None
            self._fast_checked = True
        if self._fast_dump is None:
            return super().dump(obj, many=many)
        if self.many if many is None else many:
            return [self._fast_dump(each) for each in obj]
        return self._fast_dump(obj)

    def marshmallow_dump(self, obj, *, many: bool | None = None):
        """The dump marshmallow itself makes (what the fast one is tested against)."""
        return super().dump(obj, many=many)

#!/usr/bin/python3
"""A small grpcurl-like client that learns every type from server reflection.

Usage (the flags follow grpcurl's):

  grpc_reflect.py -plaintext HOST:PORT list [SERVICE]
  grpc_reflect.py -plaintext HOST:PORT describe [SYMBOL]
  grpc_reflect.py -plaintext [-H 'key: value']... [-d JSON|@] [-v] \
      HOST:PORT SERVICE/METHOD

Without -plaintext the connection is TLS: -cacert FILE verifies the server
with that CA (default: the system's roots), -cert FILE -key FILE present a
client certificate (mutual TLS), -servername NAME checks that name in the
server's certificate instead of HOST.

It needs only Debian's python3-grpcio and python3-protobuf (run it with
/usr/bin/python3, not a virtualenv's python) and protoc (protobuf-compiler).

How it works:
- The reflection protocol's own messages are compiled at start-up from
  Debian's copy of grpc/reflection/v1alpha/reflection.proto (package
  grpc-proto): `protoc --descriptor_set_out` yields a FileDescriptorSet, which
  goes into a private descriptor pool; no generated Python is written anywhere.
  v1alpha is what gRPC 1.51's C++ server speaks.
- ServerReflectionInfo is called as a generic stream-stream method, one short
  stream per question. Each FileDescriptorProto the server returns (with its
  dependencies, fetched by file name when the server left them out) is added
  to a second pool, from which request and response classes are made.
- A unary call sends the -d JSON (google.protobuf.json_format) and prints the
  response as JSON on stdout. With -v, the response headers (initial metadata)
  and trailers go to stderr.
- A failed call prints one JSON object on stderr: {"code": "INVALID_ARGUMENT",
  "message": ..., "details": <google.rpc.Status from grpc-status-details-bin,
  its Any details (ErrorInfo, BadRequest, ...) decoded>}. The google.rpc types
  are looked up by reflection first and, if the server does not know them,
  compiled from Debian's googleapis protos (golang-github-gogo-googleapis-dev).
  The exit code is then 64 + the numeric status code, as grpcurl's; other
  failures exit with 1, usage errors with 2.
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile

import grpc
from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import json_format
from google.protobuf import message_factory

GRPC_PROTO_DIR = os.environ.get("GRPC_PROTO_DIR", "/usr/share/grpc-proto")
GOOGLEAPIS_DIR = os.environ.get(
    "GOOGLEAPIS_DIR", "/usr/share/gocode/src/github.com/gogo/googleapis")
PROTOBUF_INCLUDE_DIR = "/usr/include"  # google/protobuf/*.proto (libprotobuf-dev)
REFLECTION_PROTO = "grpc/reflection/v1alpha/reflection.proto"
REFLECTION_METHOD = \
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
STATUS_DETAILS_KEY = "grpc-status-details-bin"
CODE_NAMES = {code.value[0]: code.name for code in grpc.StatusCode}


class ToolError(Exception):
    """A failure that is not a gRPC status of the called method."""


# ---------------------------------------------------------------- descriptors

def message_class(descriptor):
    """Returns the Python class of a message descriptor from any pool."""
    get = getattr(message_factory, "GetMessageClass", None)  # protobuf >= 4.22
    if get is not None:
        return get(descriptor)
    return message_factory.MessageFactory(descriptor.file.pool).GetPrototype(
        descriptor)


def compile_protos(include_dir, files):
    """Runs protoc on FILES (relative to INCLUDE_DIR) and returns the
    FileDescriptorProtos of them and their imports, dependencies first."""
    with tempfile.NamedTemporaryFile(suffix=".pb") as out:
        cmd = ["protoc", "-I" + include_dir, "-I" + PROTOBUF_INCLUDE_DIR,
               "--include_imports", "--descriptor_set_out=" + out.name] + files
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        except FileNotFoundError:
            raise ToolError("protoc not found (Debian package protobuf-compiler)")
        if proc.returncode != 0:
            raise ToolError("protoc failed: " + proc.stderr.strip())
        fds = descriptor_pb2.FileDescriptorSet.FromString(out.read())
    return list(fds.file)


class Pool:
    """A descriptor pool that files are added to in any order; each file goes
    in once all of its dependencies are in."""

    def __init__(self):
        self.pool = descriptor_pool.DescriptorPool()
        self.files = {}  # name -> FileDescriptorProto, once added

    def add(self, protos, fetch=None):
        """Adds FileDescriptorProtos. FETCH(name) -> [FileDescriptorProto]
        supplies dependencies that are neither added nor among PROTOS."""
        pending = {p.name: p for p in protos if p.name not in self.files}
        while pending:
            progressed = False
            for name, proto in list(pending.items()):
                missing = [d for d in proto.dependency
                           if d not in self.files and d not in pending]
                if missing:
                    if fetch is None:
                        raise ToolError("%s needs %s, which is not available"
                                        % (name, ", ".join(missing)))
                    for dep in missing:
                        for fetched in fetch(dep):
                            if fetched.name not in self.files:
                                pending.setdefault(fetched.name, fetched)
                    progressed = True
                    continue
                if all(d in self.files for d in proto.dependency):
                    self.pool.AddSerializedFile(proto.SerializeToString())
                    self.files[name] = proto
                    del pending[name]
                    progressed = True
            if not progressed:
                raise ToolError("circular imports among " + ", ".join(pending))

    def find_symbol(self, name):
        """Returns (kind, descriptor) of a fully-qualified symbol, or None."""
        name = name.lstrip(".")
        lookups = [("service", self.pool.FindServiceByName),
                   ("message", self.pool.FindMessageTypeByName),
                   ("enum", self.pool.FindEnumTypeByName),
                   ("field", self.pool.FindFieldByName),
                   ("extension", self.pool.FindExtensionByName)]
        for kind, find in lookups:
            try:
                return kind, find(name)
            except KeyError:
                pass
        parent, _, last = name.rpartition(".")
        try:
            service = self.pool.FindServiceByName(parent)
            if last in service.methods_by_name:
                return "method", service.methods_by_name[last]
        except KeyError:
            pass
        # An enum value, named in proto scope (Message.VALUE, as protoc
        # does) or under its enum (Message.Enum.VALUE).
        try:
            enum = self.pool.FindEnumTypeByName(parent)
            if last in enum.values_by_name:
                return "enum value", enum.values_by_name[last]
        except KeyError:
            pass
        try:
            scope = self.pool.FindMessageTypeByName(parent)
            if last in scope.enum_values_by_name:
                return "enum value", scope.enum_values_by_name[last]
        except KeyError:
            pass
        return None


# ----------------------------------------------------------------- reflection

class Reflection:
    """A v1alpha ServerReflection client: one short stream per question."""

    def __init__(self, channel, metadata, timeout):
        own = Pool()
        own.add(compile_protos(GRPC_PROTO_DIR, [REFLECTION_PROTO]))
        find = own.pool.FindMessageTypeByName
        self._request = message_class(
            find("grpc.reflection.v1alpha.ServerReflectionRequest"))
        response = message_class(
            find("grpc.reflection.v1alpha.ServerReflectionResponse"))
        self._call = channel.stream_stream(
            REFLECTION_METHOD,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response.FromString)
        self._metadata = metadata
        self._timeout = timeout
        self.pool = Pool()

    def _ask(self, **question):
        request = self._request(**question)
        try:
            answers = list(self._call(iter([request]), metadata=self._metadata,
                                      timeout=self._timeout))
        except grpc.RpcError as e:
            raise ToolError("server reflection failed: %s: %s"
                            % (e.code().name, e.details()))
        if not answers:
            raise ToolError("server reflection gave no answer")
        answer = answers[0]
        if answer.HasField("error_response"):
            err = answer.error_response
            raise LookupError("%s (%s)" % (
                err.error_message, CODE_NAMES.get(err.error_code, err.error_code)))
        return answer

    def _files(self, answer):
        return [descriptor_pb2.FileDescriptorProto.FromString(b)
                for b in answer.file_descriptor_response.file_descriptor_proto]

    def _by_filename(self, name):
        return self._files(self._ask(file_by_filename=name))

    def list_services(self):
        answer = self._ask(list_services="*")
        return sorted(s.name for s in answer.list_services_response.service)

    def load_symbol(self, symbol):
        """Adds the file defining SYMBOL (and its imports) to the pool.
        Raises LookupError when the server does not know it."""
        symbol = symbol.lstrip(".")
        answer = self._ask(file_containing_symbol=symbol)
        self.pool.add(self._files(answer), fetch=self._by_filename)

    def resolve(self, symbol):
        """Returns (kind, descriptor) of SYMBOL, loading it when needed. A
        field or method name is looked up through its parent when the server
        only knows whole types."""
        found = self.pool.find_symbol(symbol)
        if found:
            return found
        name = symbol.lstrip(".")
        while name:
            try:
                self.load_symbol(name)
                break
            except LookupError:
                name = name.rpartition(".")[0]
        found = self.pool.find_symbol(symbol)
        if not found:
            raise ToolError("symbol not found: " + symbol)
        return found


def ensure_google_rpc_types(refl, type_names):
    """Makes the google.rpc message types TYPE_NAMES resolvable in the pool:
    by reflection when the server has them, else from Debian's googleapis."""
    local = None
    for name in type_names:
        if refl.pool.find_symbol(name):
            continue
        try:
            refl.load_symbol(name)
            continue
        except (LookupError, ToolError):
            pass
        if local is None and name.startswith("google.rpc."):
            local = compile_protos(GOOGLEAPIS_DIR, [
                "google/rpc/status.proto", "google/rpc/error_details.proto"])
            refl.pool.add(local, fetch=refl._by_filename)


# ------------------------------------------------------------------- describe

SCALAR_TYPES = {
    descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE: "double",
    descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT: "float",
    descriptor_pb2.FieldDescriptorProto.TYPE_INT64: "int64",
    descriptor_pb2.FieldDescriptorProto.TYPE_UINT64: "uint64",
    descriptor_pb2.FieldDescriptorProto.TYPE_INT32: "int32",
    descriptor_pb2.FieldDescriptorProto.TYPE_FIXED64: "fixed64",
    descriptor_pb2.FieldDescriptorProto.TYPE_FIXED32: "fixed32",
    descriptor_pb2.FieldDescriptorProto.TYPE_BOOL: "bool",
    descriptor_pb2.FieldDescriptorProto.TYPE_STRING: "string",
    descriptor_pb2.FieldDescriptorProto.TYPE_BYTES: "bytes",
    descriptor_pb2.FieldDescriptorProto.TYPE_UINT32: "uint32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SFIXED32: "sfixed32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SFIXED64: "sfixed64",
    descriptor_pb2.FieldDescriptorProto.TYPE_SINT32: "sint32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SINT64: "sint64",
}


def _type_name(field):
    return SCALAR_TYPES.get(field.type) or field.type_name


def _field_line(field, maps):
    label = ""
    if field.type_name in maps:
        key, value = maps[field.type_name]
        return "map<%s, %s> %s = %d;" % (_type_name(key), _type_name(value),
                                          field.name, field.number)
    if field.label == descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED:
        label = "repeated "
    elif field.proto3_optional:
        label = "optional "
    return "%s%s %s = %d;" % (label, _type_name(field), field.name,
                              field.number)


def render_enum(proto, indent=""):
    lines = [indent + "enum %s {" % proto.name]
    lines += [indent + "  %s = %d;" % (v.name, v.number) for v in proto.value]
    return lines + [indent + "}"]


def render_message(proto, scope, indent=""):
    """Proto-like source of a DescriptorProto; SCOPE is its full name."""
    maps = {}
    for nested in proto.nested_type:
        if nested.options.map_entry:
            maps["." + scope + "." + nested.name] = (nested.field[0],
                                                     nested.field[1])
    lines = [indent + "message %s {" % proto.name]
    oneofs = {}
    for field in proto.field:
        if field.HasField("oneof_index") and not field.proto3_optional:
            oneofs.setdefault(field.oneof_index, []).append(field)
            if len(oneofs[field.oneof_index]) > 1:
                continue
            decl = proto.oneof_decl[field.oneof_index]
            lines.append(indent + "  oneof %s {" % decl.name)
            for member in proto.field:
                if member.HasField("oneof_index") and \
                        member.oneof_index == field.oneof_index:
                    lines.append(indent + "    " + _field_line(member, maps))
            lines.append(indent + "  }")
            continue
        lines.append(indent + "  " + _field_line(field, maps))
    for nested in proto.nested_type:
        if not nested.options.map_entry:
            lines += render_message(nested, scope + "." + nested.name,
                                    indent + "  ")
    for enum in proto.enum_type:
        lines += render_enum(enum, indent + "  ")
    return lines + [indent + "}"]


def render_method(proto):
    stream_in = "stream " if proto.client_streaming else ""
    stream_out = "stream " if proto.server_streaming else ""
    return "rpc %s ( %s%s ) returns ( %s%s );" % (
        proto.name, stream_in, proto.input_type, stream_out, proto.output_type)


def describe(kind, desc, name):
    """Returns grpcurl-style text describing a resolved symbol NAME."""
    head = "%s is a%s %s:" % (getattr(desc, "full_name", name.lstrip(".")),
                              "n" if kind[0] in "aeiou" else "", kind)
    if kind == "service":
        proto = descriptor_pb2.ServiceDescriptorProto()
        desc.CopyToProto(proto)
        body = ["service %s {" % proto.name]
        body += ["  " + render_method(m) for m in proto.method] + ["}"]
    elif kind == "method":
        proto = descriptor_pb2.ServiceDescriptorProto()
        desc.containing_service.CopyToProto(proto)
        body = [render_method(m) for m in proto.method if m.name == desc.name]
    elif kind == "message":
        proto = descriptor_pb2.DescriptorProto()
        desc.CopyToProto(proto)
        body = render_message(proto, desc.full_name)
    elif kind == "enum":
        proto = descriptor_pb2.EnumDescriptorProto()
        desc.CopyToProto(proto)
        body = render_enum(proto)
    elif kind in ("field", "extension"):
        proto = descriptor_pb2.DescriptorProto()
        desc.containing_type.CopyToProto(proto)
        lines = render_message(proto, desc.containing_type.full_name)
        body = [l.strip() for l in lines
                if l.strip().endswith(" %s = %d;" % (desc.name, desc.number))]
    else:  # enum value
        body = ["%s = %d;" % (desc.name, desc.number)]
    return "\n".join([head] + body)


# ----------------------------------------------------------------------- call

def parse_headers(values):
    """-H 'key: value' -> gRPC metadata; '-bin' keys take base64 values."""
    metadata = []
    for value in values:
        key, sep, val = value.partition(":")
        if not sep:
            raise ToolError("header %r is not 'key: value'" % value)
        key = key.strip().lower()
        val = val.strip()
        if key.endswith("-bin"):
            metadata.append((key, base64.b64decode(val)))
        else:
            metadata.append((key, val))
    return metadata


def format_metadata(items):
    lines = []
    for key, value in items or ():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode()
        lines.append("%s: %s" % (key, value))
    return "\n".join(lines)


def to_json(message, pool, emit_defaults=False):
    return json_format.MessageToJson(
        message, including_default_value_fields=emit_defaults,
        descriptor_pool=pool, indent=2)


def status_details(refl, trailers):
    """Decodes grpc-status-details-bin from TRAILERS into a JSON-ready dict,
    or None when there is none."""
    raw = next((v for k, v in trailers or () if k == STATUS_DETAILS_KEY), None)
    if raw is None:
        return None
    ensure_google_rpc_types(refl, ["google.rpc.Status"])
    status_desc = refl.pool.pool.FindMessageTypeByName("google.rpc.Status")
    status = message_class(status_desc).FromString(raw)
    ensure_google_rpc_types(
        refl, [d.type_url.rpartition("/")[2] for d in status.details])
    try:
        return json.loads(json_format.MessageToJson(
            status, descriptor_pool=refl.pool.pool))
    except (TypeError, KeyError) as e:  # a detail type nobody knows
        return {"undecoded": base64.b64encode(raw).decode(), "error": str(e)}


def call(refl, channel, target, data, metadata, timeout, verbose,
         emit_defaults):
    service_name, sep, method_name = target.rpartition("/")
    if not sep:
        service_name, _, method_name = target.rpartition(".")
    kind, service = refl.resolve(service_name)
    if kind != "service":
        raise ToolError("%s is a %s, not a service" % (service_name, kind))
    method = service.methods_by_name.get(method_name)
    if method is None:
        raise ToolError("service %s has no method %s"
                        % (service_name, method_name))
    if method.client_streaming or method.server_streaming:
        raise ToolError("only unary methods are supported")
    request_class = message_class(method.input_type)
    response_class = message_class(method.output_type)
    request = request_class()
    if data == "@":
        data = sys.stdin.read()
    try:
        json_format.Parse(data or "{}", request,
                          descriptor_pool=refl.pool.pool)
    except json_format.ParseError as e:
        raise ToolError("bad request JSON for %s: %s"
                        % (method.input_type.full_name, e))

    stub = channel.unary_unary(
        "/%s/%s" % (service.full_name, method.name),
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response_class.FromString)
    try:
        response, rpc = stub.with_call(request, metadata=metadata,
                                       timeout=timeout)
    except grpc.RpcError as e:
        if verbose:
            print("Response headers received:\n%s\n"
                  % format_metadata(e.initial_metadata()), file=sys.stderr)
            print("Response trailers received:\n%s\n"
                  % format_metadata(e.trailing_metadata()), file=sys.stderr)
        failure = {"code": e.code().name, "message": e.details()}
        details = status_details(refl, e.trailing_metadata())
        if details is not None:
            failure["details"] = details
        print(json.dumps(failure, indent=2), file=sys.stderr)
        return 64 + e.code().value[0]
    if verbose:
        print("Response headers received:\n%s\n"
              % format_metadata(rpc.initial_metadata()), file=sys.stderr)
    print(to_json(response, refl.pool.pool, emit_defaults))
    if verbose:
        print("\nResponse trailers received:\n%s"
              % format_metadata(rpc.trailing_metadata()), file=sys.stderr)
    return 0


# ----------------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="grpc_reflect.py",
        description="Call gRPC services through server reflection, like "
                    "grpcurl.",
        epilog="commands: list [SERVICE] | describe [SYMBOL] | SERVICE/METHOD")
    p.add_argument("-plaintext", "--plaintext", action="store_true",
                   help="no TLS (otherwise TLS with the system's roots)")
    p.add_argument("-cacert", "--cacert", metavar="FILE",
                   help="PEM CA certificates to verify the server with")
    p.add_argument("-cert", "--cert", metavar="FILE",
                   help="PEM client certificate (with -key)")
    p.add_argument("-key", "--key", metavar="FILE",
                   help="PEM private key of -cert")
    p.add_argument("-servername", "--servername", metavar="NAME",
                   help="name to check in the server's certificate")
    p.add_argument("-H", dest="headers", action="append", default=[],
                   metavar="'KEY: VALUE'", help="request metadata (repeatable)")
    p.add_argument("-d", dest="data", metavar="JSON",
                   help="the request as JSON; '@' reads it from stdin")
    p.add_argument("-v", dest="verbose", action="store_true",
                   help="print response headers and trailers on stderr")
    p.add_argument("-emit-defaults", "--emit-defaults", action="store_true",
                   help="print fields that hold their default value")
    p.add_argument("-max-time", "--max-time", type=float, default=None,
                   metavar="SECONDS", help="deadline of each call")
    p.add_argument("-connect-timeout", "--connect-timeout", type=float,
                   default=10.0, metavar="SECONDS",
                   help="how long to wait for the connection (default 10)")
    p.add_argument("address", metavar="HOST:PORT")
    p.add_argument("command", nargs="?", default="list")
    p.add_argument("symbol", nargs="?")
    args = p.parse_args(argv)
    tls_files = (args.cacert, args.cert, args.key, args.servername)
    if args.plaintext and any(tls_files):
        p.error("-cacert, -cert, -key and -servername need TLS: "
                "drop -plaintext")
    if bool(args.cert) != bool(args.key):
        p.error("-cert and -key go together")
    return args


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ToolError("cannot read %s: %s" % (path, e.strerror))


def open_channel(args):
    if args.plaintext:
        return grpc.insecure_channel(args.address)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read_bytes(args.cacert) if args.cacert else None,
        private_key=read_bytes(args.key) if args.key else None,
        certificate_chain=read_bytes(args.cert) if args.cert else None)
    options = []
    if args.servername:
        options.append(("grpc.ssl_target_name_override", args.servername))
    return grpc.secure_channel(args.address, credentials, options=options)


def main(argv):
    args = parse_args(argv)
    try:
        channel = open_channel(args)
    except ToolError as e:
        print("grpc_reflect: " + str(e), file=sys.stderr)
        return 1
    try:
        try:
            grpc.channel_ready_future(channel).result(
                timeout=args.connect_timeout)
        except grpc.FutureTimeoutError:
            raise ToolError("could not connect to %s within %gs"
                            % (args.address, args.connect_timeout))
        metadata = parse_headers(args.headers)
        refl = Reflection(channel, metadata, args.max_time)
        if args.command == "list":
            if args.symbol:
                kind, service = refl.resolve(args.symbol)
                if kind != "service":
                    raise ToolError("%s is a %s, not a service"
                                    % (args.symbol, kind))
                for method in service.methods:
                    print(method.full_name)
            else:
                for name in refl.list_services():
                    print(name)
            return 0
        if args.command == "describe":
            symbols = [args.symbol] if args.symbol else refl.list_services()
            for symbol in symbols:
                print(describe(*refl.resolve(symbol), symbol))
            return 0
        if args.symbol:
            raise ToolError("unexpected argument %r after the method"
                            % args.symbol)
        return call(refl, channel, args.command, args.data, metadata,
                    args.max_time, args.verbose, args.emit_defaults)
    except ToolError as e:
        print("grpc_reflect: " + str(e), file=sys.stderr)
        return 1
    finally:
        channel.close()


if __name__ == "__main__":
    try:
        status = main(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as grpcurl does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 1
    sys.exit(status)

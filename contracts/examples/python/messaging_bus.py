"""A small client of the Messaging bus for Python services, on pika (Debian's python3-pika; run with /usr/bin/python3).

Wire format (see the README's "The wire format"):
- every message type has a durable fanout exchange named "Messaging.Contracts:<TypeName>";
- a message is a MassTransit JSON envelope (content type application/vnd.masstransit+json) whose "message" member is
  the contract in camelCase, with the API's JSON nested in snake_case; plain JSON (application/json, the contract
  itself) is accepted too;
- a request's "replyTo" names a queue of the requester's: the worker (and the saga, through a function loop) sends every
  event of the request there, so the requester reads its own answers only.
"""
import json
import os
import socket
import time
import uuid

import pika

FINAL_TYPES = ("InteractionCompleted", "InteractionFailed", "InteractionCancelled", "InteractionRejected")


def exchange_of(message_type, prefix=""):
    return f"{prefix}Messaging.Contracts:{message_type}"


def envelope(message_type, message, prefix=""):
    """Wraps a contract in MassTransit's envelope."""
    return {
        "messageId": str(uuid.uuid4()),
        "conversationId": message.get("conversationId"),
        "destinationAddress": f"rabbitmq://localhost/{exchange_of(message_type, prefix)}",
        "messageType": [f"urn:message:Messaging.Contracts:{message_type}"],
        "message": message,
        "sentTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "headers": {},
        "host": {"machineName": socket.gethostname(), "processName": "python", "processId": os.getpid()},
    }


class Answer:
    """How a turn ended: its final event, its type, and the deltas of its requests in order (each once)."""

    def __init__(self, final_type, final, deltas, calls):
        self.type = final_type
        self.final = final
        self.deltas = deltas
        self.calls = calls

    @property
    def text(self):
        """The text of the turn's last request's deltas: the answer."""
        last = self.final.get("requestId")
        return "".join(d.get("text") or "" for d in self.deltas if d["requestId"] == last)


SMALL_REQUEST_BYTES = 64 * 1024
"""The largest request (UTF-8 bytes of the API create body) of the workers' small lane."""


def lane_headers(message_type, message):
    """
    The lane header of a message: an InteractionRequested whose request is at most SMALL_REQUEST_BYTES goes on the
    workers' small lane ("messaging-lane: small"), which runs as wide as a replica's stream limit, without a hop.
    """
    if message_type != "InteractionRequested":
        return {}
    size = len(json.dumps(message.get("request"), separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return {"messaging-lane": "small"} if size <= SMALL_REQUEST_BYTES else {}


class MessagingBus:
    """One connection, one reply queue of this process's own (durable; deleted by close())."""

    def __init__(self, url, client_name="python", prefix=""):
        self.prefix = prefix
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.reply_queue = f"{prefix}reply-{client_name}-{uuid.uuid4().hex[:8]}"
        self.channel.queue_declare(self.reply_queue, durable=True)
        self.channel.confirm_delivery()

    def publish(self, message_type, message, plain=False):
        """Publishes one contract to its exchange: in MassTransit's envelope, or as plain JSON."""
        body = message if plain else envelope(message_type, message, self.prefix)
        content_type = "application/json" if plain else "application/vnd.masstransit+json"
        self.channel.basic_publish(exchange_of(message_type, self.prefix), "", json.dumps(body).encode("utf-8"),
                                   pika.BasicProperties(content_type=content_type, delivery_mode=2, message_id=str(uuid.uuid4()),
                                                        headers=lane_headers(message_type, message)))

    def ask(self, request, functions=None, on_delta=None, timeout=60.0, conversation_id=None):
        """
        Publishes InteractionRequested for `request` (the API create body) with this process's reply queue, and reads
        the turn's events until its final one. A FunctionCallRequested is answered with functions[name](arguments)
        (an exception: is_error), which the saga sends on to the model; the turn goes on to its continuation.
        """
        request_id = str(uuid.uuid4())
        deltas, seen, calls = [], set(), []
        self.publish("InteractionRequested", {
            "requestId": request_id, "conversationId": conversation_id or request_id, "turnId": request_id,
            "request": request, "replyTo": self.reply_queue,
        })
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            method, _, body = self.channel.basic_get(self.reply_queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.02)
                continue
            received = json.loads(body)
            message_type = received["messageType"][0].rsplit(":", 1)[-1]
            message = received["message"]
            if message.get("turnId") != request_id:
                continue
            if message_type == "StepDelta":
                key = (message["requestId"], message["sequence"])
                if key not in seen:  # a redelivered delta comes again with its sequence
                    seen.add(key)
                    deltas.append(message)
                    if on_delta:
                        on_delta(message)
            elif message_type == "FunctionCallRequested":
                calls.append(message)
                self._answer(message, functions or {})
            elif message_type in FINAL_TYPES:
                deltas.sort(key=lambda d: (d["requestId"] != message["requestId"], d["sequence"]))
                return Answer(message_type, message, deltas, calls)
        raise TimeoutError(f"no final event for request {request_id} within {timeout} s")

    def _answer(self, call, functions):
        try:
            result, is_error = functions[call["name"]](**call.get("arguments", {})), False
        except Exception as error:  # the model hears what went wrong
            result, is_error = {"error": str(error)}, True
        # Plain JSON this time: the saga's queue takes either form for the loop's messages.
        self.publish("FunctionResultSubmitted", {
            "conversationId": call["conversationId"], "interactionId": call["interactionId"], "callId": call["callId"],
            "name": call["name"], "result": result, "isError": is_error,
        }, plain=True)

    def close(self):
        self.channel.queue_delete(self.reply_queue)
        self.connection.close()

#!/usr/bin/python3
"""Validates the server events of a /v1/realtime session against OpenAI's
schemas, one validator per event type (as openai_schema.py makes them).

Usage: realtime_schema.py EVENTS_JSONL OPENAPI_JSON

EVENTS_JSONL holds one server event a line. Prints every violation and
exits 1 if there is one, or if an event's type has no schema here. Needs
Debian's python3-jsonschema: run it with /usr/bin/python3.
"""
import json, sys
import jsonschema
events, schema = sys.argv[1:]
names = {
    "session.created": "RealtimeServerEventSessionCreated",
    "session.updated": "RealtimeServerEventSessionUpdated",
    "transcription_session.created": "RealtimeBetaServerEventTranscriptionSessionCreated",
    "transcription_session.updated": "RealtimeServerEventTranscriptionSessionUpdated",
    "input_audio_buffer.speech_started": "RealtimeServerEventInputAudioBufferSpeechStarted",
    "input_audio_buffer.speech_stopped": "RealtimeServerEventInputAudioBufferSpeechStopped",
    "input_audio_buffer.committed": "RealtimeServerEventInputAudioBufferCommitted",
    "input_audio_buffer.cleared": "RealtimeServerEventInputAudioBufferCleared",
    "conversation.item.input_audio_transcription.delta":
        "RealtimeServerEventConversationItemInputAudioTranscriptionDelta",
    "conversation.item.input_audio_transcription.completed":
        "RealtimeServerEventConversationItemInputAudioTranscriptionCompleted",
    "error": "RealtimeServerEventError",
}
spec = json.load(open(schema))
resolver = jsonschema.RefResolver.from_schema(spec)
validators = {}
bad = 0
for n, line in enumerate(open(events), 1):
    ev = json.loads(line)
    name = names.get(ev["type"])
    if not name:
        sys.exit("%s:%d: no schema for server event %s" % (events, n, ev["type"]))
    if name not in validators:
        validators[name] = jsonschema.Draft202012Validator(
            {"$ref": "#/components/schemas/" + name}, resolver=resolver)
    for err in validators[name].iter_errors(ev):
        print("%s:%d: %s: %s" % (events, n, name, err.message))
        bad += 1
sys.exit(1 if bad else 0)

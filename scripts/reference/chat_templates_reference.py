"""Expected chat-template renderings for the ChatTemplates tests, from jinja2 configured exactly as
transformers renders chat templates (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
loopcontrols, tojson with ensure_ascii=False, raise_exception, strftime_now).

Run:   /work/pyref/bin/python scripts/reference/chat_templates_reference.py
Writes Tests/ChatTemplatesTests/Fixtures/templates/smollm2.jinja (from the model cache's GGUF)
and Tests/ChatTemplatesTests/Fixtures/renderings.json.
"""
import json
import os
from datetime import datetime

import gguf
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "Tests", "ChatTemplatesTests", "Fixtures")
CACHE = os.environ.get("DIVTUNE_CACHE", os.path.join(ROOT, ".cache", "models"))

reader = gguf.GGUFReader(os.path.join(CACHE, "SmolLM2-135M-Instruct-Q4_1", "SmolLM2-135M-Instruct.Q4_1.gguf"))
field = reader.fields["tokenizer.chat_template"]
with open(os.path.join(FIX, "templates", "smollm2.jinja"), "w") as f:
    f.write(bytes(field.parts[field.data[0]]).decode())


class TemplateError(Exception):
    pass


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda fmt: datetime(2026, 11, 22).strftime(fmt)

CONVERSATIONS = {
    "single": [{"role": "user", "content": "Tell me a story about a dragon."}],
    "system": [{"role": "system", "content": "You are a poet."}, {"role": "user", "content": "Write a haiku."}],
    "multi": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello, how can I help?"},
              {"role": "user", "content": "  Write “something” — with ünïcödé 🙂 and\nnewlines.  "}],
    "bad_roles": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
}
# Keys in sorted order at every level, so the Swift side (whose JSON reader does not keep key
# order) builds the same objects.
TOOLS = [{"function": {"description": "Weather in a city — «quoted»", "name": "get_weather",
                       "parameters": {"properties": {"city": {"type": "string"}}, "type": "object"}}, "type": "function"}]

out = []
for name in sorted(os.listdir(os.path.join(FIX, "templates"))):
    if not name.endswith(".jinja"):
        continue
    source = open(os.path.join(FIX, "templates", name)).read()
    template = env.from_string(source)
    for conv_name, messages in CONVERSATIONS.items():
        for add in (True, False):
            for tools in ((None, TOOLS) if name in ("qwen2.jinja", "llama31.jinja") else (None,)):
                context = {"messages": messages, "add_generation_prompt": add, "bos_token": "<s>", "eos_token": "</s>"}
                if tools is not None:
                    context["tools"] = tools
                    if name == "llama31.jinja":
                        context["tools_in_user_message"] = False
                try:
                    result = {"text": template.render(**context)}
                except TemplateError as e:
                    result = {"error": str(e)}
                out.append({"template": name, "conversation": conv_name, "add_generation_prompt": add,
                            "tools": tools, "messages": messages, **result})
with open(os.path.join(FIX, "renderings.json"), "w") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
print(len(out), "renderings")

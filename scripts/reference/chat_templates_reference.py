"""Expected chat-template renderings for Tests/ChatTemplatesTests (Swift must match byte for byte).

Run:    /work/pyref/bin/python scripts/reference/chat_templates_reference.py
Reads:  .cache/models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf (or $DIVTUNE_CACHE/...)
Writes: Tests/ChatTemplatesTests/Fixtures/templates/smollm2.jinja  (the GGUF's `tokenizer.chat_template`)
        Tests/ChatTemplatesTests/Fixtures/renderings.json         (real templates x conversations)
        Tests/ChatTemplatesTests/Fixtures/engine_cases.json       (small templates exercising the engine)

Real templates are rendered with transformers' own `render_jinja_template` (jinja2
ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its `tojson`,
`raise_exception`, `strftime_now`), with the clock fixed to 2026-11-22 09:05:07 for reproducibility.
Engine cases use the same environment, or a plain one for the whitespace-option cases.
Contexts, messages and tools are stored as JSON *text* so the Swift side keeps key order.
"""
import datetime as _dt
import json
import os
import sys

import gguf
import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
import transformers.utils.chat_template_utils as ctu

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "Tests", "ChatTemplatesTests", "Fixtures")
CACHE = os.environ.get("DIVTUNE_CACHE", os.path.join(ROOT, ".cache", "models"))
NOW = _dt.datetime(2026, 11, 22, 9, 5, 7)


class FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW


ctu.datetime = FixedDatetime  # transformers' strftime_now calls datetime.now()

# --- SmolLM2's template, straight from the GGUF metadata -------------------------------------------
reader = gguf.GGUFReader(os.path.join(CACHE, "SmolLM2-135M-Instruct-Q4_1", "SmolLM2-135M-Instruct.Q4_1.gguf"))
field = reader.fields["tokenizer.chat_template"]
with open(os.path.join(FIX, "templates", "smollm2.jinja"), "w") as f:
    f.write(bytes(field.parts[field.data[0]]).decode("utf-8"))

# --- Real templates x conversations -----------------------------------------------------------------
TOKENS = {  # (bos_token, eos_token) from each model's tokenizer_config.json
    "smollm2.jinja": ("<|im_start|>", "<|im_end|>"),
    "llama3.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama31.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama32.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "mistral_v01.jinja": ("<s>", "</s>"),
    "mistral_v03.jinja": ("<s>", "</s>"),
    "qwen25.jinja": (None, "<|im_end|>"),
}
WITH_TOOLS = {"llama31.jinja", "llama32.jinja", "mistral_v03.jinja", "qwen25.jinja"}

CONVERSATIONS = {
    "single": [{"role": "user", "content": "Tell me a story about a dragon."}],
    "system": [{"role": "system", "content": "You are a poet."}, {"role": "user", "content": "Write a haiku."}],
    "multi": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello, how can I help?"},
              {"role": "user", "content": "  Write “something” — with ünïcödé 🙂, 漢字 and\nnewlines.  "}],
    "system_multi": [{"role": "system", "content": "  Be brief.\n"}, {"role": "user", "content": "a"},
                     {"role": "assistant", "content": " b "}, {"role": "user", "content": "c\t"}],
    "assistant_last": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}],
    "bad_roles": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
}
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather in a city — «quoted» \"text\"",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
                                                    "days": {"type": "integer", "minimum": 1, "maximum": 7.5}},
                   "required": ["city"]}}}]


def render_real(source, messages, add, tools, bos, eos):
    kwargs = {"eos_token": eos}
    if bos is not None:
        kwargs["bos_token"] = bos
    try:
        rendered, _ = ctu.render_jinja_template(conversations=[messages], tools=tools, chat_template=source,
                                                add_generation_prompt=add, **kwargs)
        return {"text": rendered[0]}
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"error": "syntax", "message": str(e)}
    except jinja2.exceptions.TemplateError as e:
        return {"error": "raised", "message": str(e)} if type(e) is jinja2.exceptions.TemplateError else {"error": "runtime", "message": str(e)}


renderings = []
for name in sorted(TOKENS):
    source = open(os.path.join(FIX, "templates", name), encoding="utf-8").read()
    bos, eos = TOKENS[name]
    for conv_name, messages in CONVERSATIONS.items():
        for add in (True, False):
            # Tool prompts are long; render them once per conversation (with the generation prompt).
            for tools in ((None, TOOLS) if name in WITH_TOOLS and add else (None,)):
                result = render_real(source, messages, add, tools, bos, eos)
                renderings.append({"template": name, "conversation": conv_name, "add_generation_prompt": add,
                                   "bos_token": bos, "eos_token": eos, "tools": tools is not None, **result})
with open(os.path.join(FIX, "renderings.json"), "w", encoding="utf-8") as f:
    json.dump({"conversations": {k: json.dumps(v, ensure_ascii=False) for k, v in CONVERSATIONS.items()},
               "tools": json.dumps(TOOLS, ensure_ascii=False), "cases": renderings}, f, ensure_ascii=False, indent=0)

# --- Engine cases ----------------------------------------------------------------------------------
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chat_templates_engine_cases import CASES  # noqa: E402


def plain_environment(trim, lstrip):
    env = ImmutableSandboxedEnvironment(trim_blocks=trim, lstrip_blocks=lstrip, extensions=[loopcontrols])
    env.filters["tojson"] = lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: NOW.strftime(fmt)
    return env


engine = []
for case in CASES:
    template, context = case[0], case[1] if len(case) > 1 else {}
    chat = len(case) < 3 or case[2] == "chat"
    try:
        compiled = ctu._compile_jinja_template(template) if chat else plain_environment(*case[2]).from_string(template)
        result = {"text": compiled.render(**context)}
    except jinja2.exceptions.TemplateSyntaxError as e:
        result = {"error": "syntax", "message": str(e)}
    except jinja2.exceptions.TemplateError as e:
        result = {"error": "raised" if type(e) is jinja2.exceptions.TemplateError else "runtime", "message": str(e)}
    except Exception as e:  # TypeError, ZeroDivisionError... are runtime errors too
        result = {"error": "runtime", "message": f"{type(e).__name__}: {e}"}
    options = [True, True] if chat else list(case[2])
    engine.append({"template": template, "context": json.dumps(context, ensure_ascii=False), "options": options, **result})
with open(os.path.join(FIX, "engine_cases.json"), "w", encoding="utf-8") as f:
    json.dump(engine, f, ensure_ascii=False, indent=1)
print(len(renderings), "renderings,", len(engine), "engine cases")

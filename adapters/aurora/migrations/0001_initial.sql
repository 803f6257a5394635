-- Master data: quizzes and their questions, users, session results.
-- Runs with search_path set to the target schema; names stay unqualified.

CREATE TABLE quizzes (
    quiz_id        text PRIMARY KEY,
    -- Insertion order for "oldest first"; an upsert keeps the first value.
    seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    title          text NOT NULL,
    language       text NOT NULL,
    level          text NOT NULL DEFAULT '',
    typo_tolerance boolean NOT NULL DEFAULT false,
    author_id      text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE questions (
    quiz_id        text NOT NULL REFERENCES quizzes (quiz_id) ON DELETE CASCADE,
    question_index integer NOT NULL,
    question_id    text NOT NULL,
    prompt         text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('choice', 'text')),
    answer         text NOT NULL,
    choices        text[] NOT NULL DEFAULT '{}',
    accept         text[] NOT NULL DEFAULT '{}',
    points         integer NOT NULL,
    seconds        integer,
    PRIMARY KEY (quiz_id, question_index)
);

CREATE TABLE users (
    user_id      text PRIMARY KEY,
    display_name text NOT NULL,
    status       text NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'blocked', 'deleted')),
    email        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE session_results (
    session_id    text NOT NULL,
    user_id       text NOT NULL,
    -- First-write order, so listings follow the order results arrived in.
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    display_name  text NOT NULL DEFAULT '',
    score         bigint NOT NULL,
    correct_count integer NOT NULL DEFAULT 0,
    rank          integer NOT NULL DEFAULT 0,
    final         boolean NOT NULL DEFAULT false,
    reached_at    bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, user_id)
);

-- user_totals and all_totals read final results only.
CREATE INDEX session_results_final_by_user
    ON session_results (user_id) INCLUDE (score, reached_at, seq) WHERE final;

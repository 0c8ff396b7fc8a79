-- Sunlit schema, version 1.
--
-- Every record table keeps every version of a record: (id, version) is unique, exactly one row
-- per id has is_current = true, and content_hash tells whether a newly collected record differs
-- from the current one. Each record points to the document it came from (document_sha256, url).
-- The COMMENT ON statements below are the data dictionary: `sunlit schema` prints them and a
-- test fails when a table or column has none.

CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE schema_version IS 'Migrations applied to this database, newest last.';
COMMENT ON COLUMN schema_version.version IS 'Schema version number.';
COMMENT ON COLUMN schema_version.applied_at IS 'When the migration ran.';

CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0,
    items INTEGER NOT NULL DEFAULT 0,
    new INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    rejects_by_reason JSON,
    message VARCHAR,
    PRIMARY KEY (run_id, source)
);
COMMENT ON TABLE runs IS 'One row per source per collection run, with its counts: how complete the data is.';
COMMENT ON COLUMN runs.run_id IS 'Identifier of the collection run (UTC timestamp and random suffix).';
COMMENT ON COLUMN runs.source IS 'Source name from sources.toml.';
COMMENT ON COLUMN runs.started_at IS 'When collection of this source started.';
COMMENT ON COLUMN runs.finished_at IS 'When it finished; NULL while running or if the run was killed.';
COMMENT ON COLUMN runs.status IS 'running, ok, failed (the source could not be collected), too_many_rejects, or killed (the collect ended before finishing it; marked by the next collect).';
COMMENT ON COLUMN runs.pages IS 'HTTP responses received from the source.';
COMMENT ON COLUMN runs.items IS 'Records extracted from those responses (accepted plus rejected).';
COMMENT ON COLUMN runs.new IS 'Records seen for the first time.';
COMMENT ON COLUMN runs.changed IS 'Records that differ from their current version (a new version was stored).';
COMMENT ON COLUMN runs.unchanged IS 'Records identical to their current version.';
COMMENT ON COLUMN runs.rejected IS 'Records that failed validation and went to rejects.';
COMMENT ON COLUMN runs.rejects_by_reason IS 'JSON object: reject reason code to count.';
COMMENT ON COLUMN runs.message IS 'Error or warning text for the run, if any.';

CREATE TABLE IF NOT EXISTS rejects (
    reject_id VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    url VARCHAR,
    reason_code VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw VARCHAR NOT NULL,
    rejected_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE rejects IS 'Records that could not be accepted, with the reason and the raw payload: nothing is dropped silently.';
COMMENT ON COLUMN rejects.reject_id IS 'sha256 of source, url, reason and payload: the same defect seen again is not stored twice.';
COMMENT ON COLUMN rejects.run_id IS 'Run that first met the defect.';
COMMENT ON COLUMN rejects.source IS 'Source name.';
COMMENT ON COLUMN rejects.kind IS 'Kind of record that was being extracted (award_notice, ocds_release, list_item, approval_case).';
COMMENT ON COLUMN rejects.url IS 'URL of the document the record came from.';
COMMENT ON COLUMN rejects.reason_code IS 'Machine-readable reason (missing_field, bad_date, bad_amount, duplicate_in_run, ...).';
COMMENT ON COLUMN rejects.reason IS 'Human-readable reason.';
COMMENT ON COLUMN rejects.raw IS 'The raw record as extracted, JSON.';
COMMENT ON COLUMN rejects.rejected_at IS 'When it was rejected.';

CREATE TABLE IF NOT EXISTS documents (
    sha256 VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    http_status INTEGER,
    content_type VARCHAR,
    encoding VARCHAR,
    size_bytes BIGINT NOT NULL,
    archive_path VARCHAR NOT NULL,
    PRIMARY KEY (sha256, url)
);
COMMENT ON TABLE documents IS 'Provenance: every response body Sunlit kept, by url and sha256; the body itself is compressed in the raw archive.';
COMMENT ON COLUMN documents.sha256 IS 'sha256 of the response body as received (hex).';
COMMENT ON COLUMN documents.url IS 'URL the body was fetched from.';
COMMENT ON COLUMN documents.source IS 'Source name.';
COMMENT ON COLUMN documents.fetched_at IS 'When this body was first fetched from this url.';
COMMENT ON COLUMN documents.http_status IS 'HTTP status of the response.';
COMMENT ON COLUMN documents.content_type IS 'Content-Type header as sent.';
COMMENT ON COLUMN documents.encoding IS 'Character encoding used to decode the body.';
COMMENT ON COLUMN documents.size_bytes IS 'Body size in bytes.';
COMMENT ON COLUMN documents.archive_path IS 'Path of the gzip-compressed body, relative to the archive directory.';
ALTER TABLE documents ADD COLUMN IF NOT EXISTS etag VARCHAR;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS last_modified VARCHAR;
COMMENT ON COLUMN documents.etag IS 'ETag header as sent, if any: asked for again with If-None-Match.';
COMMENT ON COLUMN documents.last_modified IS 'Last-Modified header as sent, if any: asked for again with If-Modified-Since.';
ALTER TABLE documents ADD COLUMN IF NOT EXISTS last_run VARCHAR;
COMMENT ON COLUMN documents.last_run IS 'The last collect run that fetched this body at this url: a re-run skips pages a finished run read.';

CREATE TABLE IF NOT EXISTS organisations (
    org_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    content_hash VARCHAR NOT NULL,
    first_run VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    uscc VARCHAR,
    uscc_valid BOOLEAN,
    aliases VARCHAR[],
    region VARCHAR,
    source VARCHAR NOT NULL,
    url VARCHAR,
    document_sha256 VARCHAR,
    PRIMARY KEY (org_id, version)
);
COMMENT ON TABLE organisations IS 'Buyers, agencies, suppliers and departments, resolved across sources by 统一社会信用代码 or normalised name.';
COMMENT ON COLUMN organisations.org_id IS 'Stable id: "uscc:" + a valid 统一社会信用代码, else "name:" + the normalised name.';
COMMENT ON COLUMN organisations.version IS 'Version number of this record, from 1.';
COMMENT ON COLUMN organisations.is_current IS 'True for the latest version.';
COMMENT ON COLUMN organisations.content_hash IS 'sha256 of the record''s fields: a new version is stored only when it changes.';
COMMENT ON COLUMN organisations.first_run IS 'Run that stored this version.';
COMMENT ON COLUMN organisations.name IS 'Normalised name (full-width letters and digits folded, brackets unified, spaces removed).';
COMMENT ON COLUMN organisations.uscc IS '统一社会信用代码 (unified social credit code) as published, if any.';
COMMENT ON COLUMN organisations.uscc_valid IS 'Whether the code''s check digit verifies; an invalid code is kept, never corrected.';
COMMENT ON COLUMN organisations.aliases IS 'Every spelling of the name seen in sources.';
COMMENT ON COLUMN organisations.region IS 'Region (行政区划) where first seen.';
COMMENT ON COLUMN organisations.source IS 'Source where this version was seen.';
COMMENT ON COLUMN organisations.url IS 'URL of the document this version came from.';
COMMENT ON COLUMN organisations.document_sha256 IS 'sha256 of that document (see documents).';

CREATE TABLE IF NOT EXISTS tenders (
    tender_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    content_hash VARCHAR NOT NULL,
    first_run VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    notice_no VARCHAR,
    title VARCHAR NOT NULL,
    buyer_id VARCHAR,
    agency_id VARCHAR,
    procurement_method VARCHAR,
    category VARCHAR,
    region VARCHAR,
    published_at TIMESTAMPTZ,
    tender_published_at TIMESTAMPTZ,
    bid_deadline_at TIMESTAMPTZ,
    award_date TIMESTAMPTZ,
    budget_amount DECIMAL(18, 2),
    currency VARCHAR,
    is_correction BOOLEAN NOT NULL DEFAULT false,
    url VARCHAR NOT NULL,
    document_sha256 VARCHAR,
    PRIMARY KEY (tender_id, version)
);
COMMENT ON TABLE tenders IS 'Tenders (procurement processes) with their result notices; one row per version.';
COMMENT ON COLUMN tenders.tender_id IS 'Stable id: source + notice number, or the OCDS ocid.';
COMMENT ON COLUMN tenders.version IS 'Version number of this record, from 1.';
COMMENT ON COLUMN tenders.is_current IS 'True for the latest version.';
COMMENT ON COLUMN tenders.content_hash IS 'sha256 of the record''s fields: a new version is stored only when it changes.';
COMMENT ON COLUMN tenders.first_run IS 'Run that stored this version.';
COMMENT ON COLUMN tenders.source IS 'Source name from sources.toml.';
COMMENT ON COLUMN tenders.notice_no IS 'Notice or project number as published (项目编号/公告编号).';
COMMENT ON COLUMN tenders.title IS 'Title of the notice.';
COMMENT ON COLUMN tenders.buyer_id IS 'Buyer (招标人/采购人), an organisations.org_id.';
COMMENT ON COLUMN tenders.agency_id IS 'Procurement agency (招标机构/代理机构), an organisations.org_id.';
COMMENT ON COLUMN tenders.procurement_method IS 'Method: open (公开招标), selective (邀请招标), competitive_negotiation (竞争性谈判), competitive_consultation (竞争性磋商), inquiry (询价), single_source (单一来源), or as published.';
COMMENT ON COLUMN tenders.category IS 'Category: goods, works or services (货物/工程/服务).';
COMMENT ON COLUMN tenders.region IS 'Region (行政区划) of the buyer or trading centre.';
COMMENT ON COLUMN tenders.published_at IS 'When the result notice was published (Asia/Shanghai).';
-- Databases made before the column existed gain it here (at the end of the table).
ALTER TABLE tenders ADD COLUMN IF NOT EXISTS tender_published_at TIMESTAMPTZ;
COMMENT ON COLUMN tenders.tender_published_at IS 'When the tender (invitation) notice was published (招标公告/采购公告发布时间), where known: the start of the bidding period. NULL when only the result is published.';
COMMENT ON COLUMN tenders.bid_deadline_at IS 'Deadline for bids (投标截止时间), where published.';
COMMENT ON COLUMN tenders.award_date IS 'Date of the award decision (定标日期), where published.';
COMMENT ON COLUMN tenders.budget_amount IS 'Budget (预算金额) in currency units, where published.';
COMMENT ON COLUMN tenders.currency IS 'ISO 4217 currency code of budget_amount.';
COMMENT ON COLUMN tenders.is_correction IS 'True when this version came from a correction notice (更正公告).';
COMMENT ON COLUMN tenders.url IS 'URL of the notice this version came from.';
COMMENT ON COLUMN tenders.document_sha256 IS 'sha256 of that document (see documents).';

CREATE TABLE IF NOT EXISTS awards (
    award_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    content_hash VARCHAR NOT NULL,
    first_run VARCHAR NOT NULL,
    tender_id VARCHAR NOT NULL,
    supplier_id VARCHAR NOT NULL,
    lot VARCHAR,
    amount DECIMAL(18, 2),
    currency VARCHAR,
    amount_text VARCHAR,
    discount_rate DECIMAL(9, 4),
    contract_period_days INTEGER,
    award_date TIMESTAMPTZ,
    source VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    document_sha256 VARCHAR,
    PRIMARY KEY (award_id, version)
);
COMMENT ON TABLE awards IS 'Who won what: one row per supplier per tender (each member of a consortium) per version.';
COMMENT ON COLUMN awards.award_id IS 'Stable id: tender_id + lot + supplier, or the OCDS award id.';
COMMENT ON COLUMN awards.version IS 'Version number of this record, from 1.';
COMMENT ON COLUMN awards.is_current IS 'True for the latest version.';
COMMENT ON COLUMN awards.content_hash IS 'sha256 of the record''s fields: a new version is stored only when it changes.';
COMMENT ON COLUMN awards.first_run IS 'Run that stored this version.';
COMMENT ON COLUMN awards.tender_id IS 'The tender (tenders.tender_id).';
COMMENT ON COLUMN awards.supplier_id IS 'The winning supplier (organisations.org_id).';
COMMENT ON COLUMN awards.lot IS 'Lot or section (标段/包) identifier, if any.';
COMMENT ON COLUMN awards.amount IS 'Award amount (中标价/成交金额) in currency units; NULL when not published. For a consortium, the whole amount on each member.';
COMMENT ON COLUMN awards.currency IS 'ISO 4217 currency code.';
COMMENT ON COLUMN awards.amount_text IS 'The amount exactly as published (e.g. "123.45万元").';
COMMENT ON COLUMN awards.discount_rate IS 'Discount rate (下浮率) as a fraction, where a rate was published instead of an amount.';
COMMENT ON COLUMN awards.contract_period_days IS 'Performance period (履约期限/工期) in days.';
COMMENT ON COLUMN awards.award_date IS 'Date of the award.';
COMMENT ON COLUMN awards.source IS 'Source name.';
COMMENT ON COLUMN awards.url IS 'URL of the notice.';
COMMENT ON COLUMN awards.document_sha256 IS 'sha256 of that document (see documents).';

CREATE TABLE IF NOT EXISTS bids (
    bid_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    content_hash VARCHAR NOT NULL,
    first_run VARCHAR NOT NULL,
    tender_id VARCHAR NOT NULL,
    bidder_id VARCHAR NOT NULL,
    lot VARCHAR,
    amount DECIMAL(18, 2),
    currency VARCHAR,
    amount_text VARCHAR,
    discount_rate DECIMAL(9, 4),
    rank INTEGER,
    disqualified BOOLEAN,
    source VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    document_sha256 VARCHAR,
    PRIMARY KEY (bid_id, version)
);
-- Databases made before bids had a rate column get it here (CREATE TABLE IF NOT EXISTS skips them).
ALTER TABLE bids ADD COLUMN IF NOT EXISTS discount_rate DECIMAL(9, 4);
COMMENT ON TABLE bids IS 'Bids and candidates (中标候选人) where a notice publishes them.';
COMMENT ON COLUMN bids.bid_id IS 'Stable id: tender_id + lot + bidder.';
COMMENT ON COLUMN bids.version IS 'Version number of this record, from 1.';
COMMENT ON COLUMN bids.is_current IS 'True for the latest version.';
COMMENT ON COLUMN bids.content_hash IS 'sha256 of the record''s fields.';
COMMENT ON COLUMN bids.first_run IS 'Run that stored this version.';
COMMENT ON COLUMN bids.tender_id IS 'The tender (tenders.tender_id).';
COMMENT ON COLUMN bids.bidder_id IS 'The bidder (organisations.org_id).';
COMMENT ON COLUMN bids.discount_rate IS 'Discount rate (下浮率) bid, as a fraction (0.085 for 8.5%), where a candidate notice publishes a rate instead of a price; never an amount.';
COMMENT ON COLUMN bids.lot IS 'Lot or section, if any.';
COMMENT ON COLUMN bids.amount IS 'Bid price in currency units, where published.';
COMMENT ON COLUMN bids.currency IS 'ISO 4217 currency code.';
COMMENT ON COLUMN bids.amount_text IS 'The price exactly as published.';
COMMENT ON COLUMN bids.rank IS 'Candidate rank (第一中标候选人 = 1), where published.';
COMMENT ON COLUMN bids.disqualified IS 'True when the notice says the bid was rejected (否决/无效).';
COMMENT ON COLUMN bids.source IS 'Source name.';
COMMENT ON COLUMN bids.url IS 'URL of the notice.';
COMMENT ON COLUMN bids.document_sha256 IS 'sha256 of that document.';

CREATE TABLE IF NOT EXISTS list_items (
    item_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    content_hash VARCHAR NOT NULL,
    first_run VARCHAR NOT NULL,
    list_kind VARCHAR NOT NULL,
    item_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    sub_item VARCHAR,
    power_type VARCHAR,
    department VARCHAR,
    department_id VARCHAR,
    region VARCHAR,
    legal_basis VARCHAR,
    statutory_limit INTEGER,
    statutory_unit VARCHAR,
    promised_limit INTEGER,
    promised_unit VARCHAR,
    fees VARCHAR,
    level VARCHAR,
    power_item_code VARCHAR,
    industry VARCHAR,
    restriction VARCHAR,
    duties VARCHAR,
    accountability VARCHAR,
    description VARCHAR,
    source VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    document_sha256 VARCHAR,
    PRIMARY KEY (item_id, version)
);
COMMENT ON TABLE list_items IS 'Items of the three lists: 权力清单 (power), 责任清单 (responsibility), 负面清单 (negative); one row per version.';
COMMENT ON COLUMN list_items.item_id IS 'Stable id: list kind + ":" + item code.';
COMMENT ON COLUMN list_items.version IS 'Version number of this record, from 1.';
COMMENT ON COLUMN list_items.is_current IS 'True for the latest version; false for older versions and for items removed from the list.';
COMMENT ON COLUMN list_items.content_hash IS 'sha256 of the record''s fields.';
COMMENT ON COLUMN list_items.first_run IS 'Run that stored this version.';
COMMENT ON COLUMN list_items.list_kind IS 'power, responsibility or negative.';
COMMENT ON COLUMN list_items.item_code IS 'Item code (事项编码/职权编码) as published.';
COMMENT ON COLUMN list_items.name IS 'Item name (事项名称).';
COMMENT ON COLUMN list_items.sub_item IS 'Sub-item (子项), if any.';
COMMENT ON COLUMN list_items.power_type IS 'Power type: 行政许可, 行政处罚, 行政强制, 行政征收, 行政给付, 行政检查, 行政确认, 行政奖励, 行政裁决, 其他行政权力, 公共服务.';
COMMENT ON COLUMN list_items.department IS 'Department (实施部门) as published.';
COMMENT ON COLUMN list_items.department_id IS 'Department as an organisations.org_id.';
COMMENT ON COLUMN list_items.region IS 'Region (行政区划).';
COMMENT ON COLUMN list_items.legal_basis IS 'Legal basis (设定依据), cleaned of stray quotes and line breaks.';
COMMENT ON COLUMN list_items.statutory_limit IS 'Statutory time limit (法定时限), a number of statutory_unit.';
COMMENT ON COLUMN list_items.statutory_unit IS 'workday (工作日) or calendar_day (自然日).';
COMMENT ON COLUMN list_items.promised_limit IS 'Promised time limit (承诺时限), a number of promised_unit.';
COMMENT ON COLUMN list_items.promised_unit IS 'workday (工作日) or calendar_day (自然日).';
COMMENT ON COLUMN list_items.fees IS 'Fees (收费标准) as published; NULL for none (无).';
COMMENT ON COLUMN list_items.level IS 'Levels exercising the power (行使层级), comma separated.';
COMMENT ON COLUMN list_items.power_item_code IS 'For responsibility items: the code of the power item they belong to.';
COMMENT ON COLUMN list_items.industry IS 'For negative-list measures: the industry.';
COMMENT ON COLUMN list_items.restriction IS 'For negative-list measures: prohibited (禁止) or restricted (限制).';
COMMENT ON COLUMN list_items.duties IS 'For responsibility items: the duties (责任事项) as published.';
COMMENT ON COLUMN list_items.accountability IS 'For responsibility items: when officials are held accountable (追责情形).';
COMMENT ON COLUMN list_items.description IS 'For negative-list measures: the measure''s description (措施描述).';
COMMENT ON COLUMN list_items.source IS 'Source name.';
COMMENT ON COLUMN list_items.url IS 'URL of the document this version came from.';
COMMENT ON COLUMN list_items.document_sha256 IS 'sha256 of that document.';

CREATE TABLE IF NOT EXISTS approval_cases (
    case_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    content_hash VARCHAR NOT NULL,
    first_run VARCHAR NOT NULL,
    item_code VARCHAR,
    item_name VARCHAR,
    department VARCHAR,
    department_id VARCHAR,
    project_code VARCHAR,
    applicant VARCHAR,
    applicant_type VARCHAR,
    applicant_uscc VARCHAR,
    accepted_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    deadline_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,
    promised_limit INTEGER,
    promised_unit VARCHAR,
    source VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    document_sha256 VARCHAR,
    PRIMARY KEY (case_id, version)
);
COMMENT ON TABLE approval_cases IS 'Approval cases (办件公示): when each application was accepted and completed, against its limit.';
COMMENT ON COLUMN approval_cases.case_id IS 'Stable id: the case number (办件编号).';
COMMENT ON COLUMN approval_cases.version IS 'Version number of this record, from 1.';
COMMENT ON COLUMN approval_cases.is_current IS 'True for the latest version.';
COMMENT ON COLUMN approval_cases.content_hash IS 'sha256 of the record''s fields.';
COMMENT ON COLUMN approval_cases.first_run IS 'Run that stored this version.';
COMMENT ON COLUMN approval_cases.item_code IS 'Item code (事项编码) of the approval item; matches list_items.item_code.';
COMMENT ON COLUMN approval_cases.item_name IS 'Approval item name as published.';
COMMENT ON COLUMN approval_cases.department IS 'Department handling the case.';
COMMENT ON COLUMN approval_cases.department_id IS 'Department as an organisations.org_id.';
COMMENT ON COLUMN approval_cases.project_code IS 'Investment project code (项目代码) grouping joint approvals, if any.';
COMMENT ON COLUMN approval_cases.applicant IS 'Applicant; names of natural persons are masked.';
COMMENT ON COLUMN approval_cases.applicant_type IS 'legal_person (法人), natural_person (自然人) or as published.';
COMMENT ON COLUMN approval_cases.applicant_uscc IS '统一社会信用代码 of an applicant that is an organisation, as published (never corrected).';
COMMENT ON COLUMN approval_cases.accepted_at IS 'When the application was accepted (受理时间).';
COMMENT ON COLUMN approval_cases.completed_at IS 'When it was completed (办结时间); NULL while open.';
COMMENT ON COLUMN approval_cases.deadline_at IS 'Deadline as published, where the source gives one.';
COMMENT ON COLUMN approval_cases.status IS 'accepted, in_progress, completed, rejected or as published.';
COMMENT ON COLUMN approval_cases.promised_limit IS 'Promised time limit published with the case.';
COMMENT ON COLUMN approval_cases.promised_unit IS 'workday (工作日) or calendar_day (自然日).';
COMMENT ON COLUMN approval_cases.source IS 'Source name.';
COMMENT ON COLUMN approval_cases.url IS 'URL of the document this version came from.';
COMMENT ON COLUMN approval_cases.document_sha256 IS 'sha256 of that document.';

-- Databases made before these columns existed get them here (CREATE TABLE IF NOT EXISTS
-- leaves an existing table as it is).
ALTER TABLE list_items ADD COLUMN IF NOT EXISTS duties VARCHAR;
ALTER TABLE list_items ADD COLUMN IF NOT EXISTS accountability VARCHAR;
ALTER TABLE list_items ADD COLUMN IF NOT EXISTS description VARCHAR;
ALTER TABLE approval_cases ADD COLUMN IF NOT EXISTS applicant_type VARCHAR;
ALTER TABLE approval_cases ADD COLUMN IF NOT EXISTS applicant_uscc VARCHAR;

CREATE TABLE IF NOT EXISTS approval_steps (
    step_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    content_hash VARCHAR NOT NULL,
    first_run VARCHAR NOT NULL,
    case_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    step_name VARCHAR NOT NULL,
    happened_at TIMESTAMPTZ NOT NULL,
    transition VARCHAR,
    actor VARCHAR,
    actor_group VARCHAR,
    source VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    document_sha256 VARCHAR,
    PRIMARY KEY (step_id, version)
);
COMMENT ON TABLE approval_steps IS 'Steps of approval cases from case event logs: who did what, when; one row per step per version.';
COMMENT ON COLUMN approval_steps.step_id IS 'Stable id: case_id + ":" + the event''s own id in the log, else its position.';
COMMENT ON COLUMN approval_steps.version IS 'Version number of this record, from 1.';
COMMENT ON COLUMN approval_steps.is_current IS 'True for the latest version.';
COMMENT ON COLUMN approval_steps.content_hash IS 'sha256 of the record''s fields.';
COMMENT ON COLUMN approval_steps.first_run IS 'Run that stored this version.';
COMMENT ON COLUMN approval_steps.case_id IS 'The case (approval_cases.case_id).';
COMMENT ON COLUMN approval_steps.seq IS 'Position of the step within its case, from 1, in time order.';
COMMENT ON COLUMN approval_steps.step_name IS 'Name of the step as logged.';
COMMENT ON COLUMN approval_steps.happened_at IS 'When the step happened.';
COMMENT ON COLUMN approval_steps.transition IS 'Lifecycle transition logged with the step (start, complete …), if any.';
COMMENT ON COLUMN approval_steps.actor IS 'Who did it (a staff id or role as logged).';
COMMENT ON COLUMN approval_steps.actor_group IS 'The team or office the actor belongs to, as logged.';
COMMENT ON COLUMN approval_steps.source IS 'Source name.';
COMMENT ON COLUMN approval_steps.url IS 'URL of the log this version came from.';
COMMENT ON COLUMN approval_steps.document_sha256 IS 'sha256 of that document.';

CREATE TABLE IF NOT EXISTS list_snapshots (
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    list_kind VARCHAR NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL,
    item_count INTEGER NOT NULL,
    item_ids VARCHAR[] NOT NULL,
    PRIMARY KEY (run_id, source, list_kind)
);
COMMENT ON TABLE list_snapshots IS 'Each complete collection of a list (every page fetched, nothing rejected): which items it listed. Removals are found between consecutive snapshots (see list_changes).';
COMMENT ON COLUMN list_snapshots.run_id IS 'Run that collected the snapshot (runs.run_id).';
COMMENT ON COLUMN list_snapshots.source IS 'Source name.';
COMMENT ON COLUMN list_snapshots.list_kind IS 'power, responsibility or negative.';
COMMENT ON COLUMN list_snapshots.taken_at IS 'When the snapshot was complete.';
COMMENT ON COLUMN list_snapshots.item_count IS 'Number of items listed.';
COMMENT ON COLUMN list_snapshots.item_ids IS 'list_items.item_id of every item listed, sorted.';

//! Full-text search of petitions (titles, bodies, answers) with a Korean tokenizer.
//!
//! The index is tantivy's, tokenised by the `text` crate's tokenizer: each word whole, plus the
//! character bigrams inside Hangul and Han words, so 파손 finds 파손된 and 도로파손. Every
//! process keeps its own index and follows the database through the petitions' monotonic change
//! sequence (`petitions.change_seq`): before each search it indexes the rows changed since the
//! last number it saw, and stores that number in the index's commit payload. [`SearchIndex::rebuild`]
//! starts again from the database (`minwon admin reindex`).

use crate::{Db, Result, StoreError, fetch_all};
use domain::petitions::{Derived, State};
use domain::{AccountId, DepartmentId};
use std::path::Path;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Name of the tokenizer in the index schema.
const KOREAN: &str = "ko_bigram";

/// tantivy adapter of `text::tokenize`.
#[derive(Clone, Default)]
pub struct KoreanTokenizer;

pub struct KoreanTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for KoreanTokenizer {
    type TokenStream<'a> = KoreanTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> KoreanTokenStream {
        let tokens = text::tokenize(text)
            .into_iter()
            .map(|t| Token {
                offset_from: t.start,
                offset_to: t.end,
                position: t.position as usize,
                text: t.text,
                position_length: 1,
            })
            .collect();
        KoreanTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for KoreanTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        // `advance` is called before the first `token`; index 0 is a harmless fallback.
        &self.tokens[self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1))]
    }
    fn token_mut(&mut self) -> &mut Token {
        let i = self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

fn search_error(e: tantivy::TantivyError) -> StoreError {
    StoreError::internal("search index", e)
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    body: Field,
    answers: Field,
    department: Field,
    petitioner: Field,
    type_id: Field,
    state: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(KOREAN)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text.clone()),
        answers: b.add_text_field("answers", text),
        department: b.add_u64_field("department", INDEXED),
        petitioner: b.add_u64_field("petitioner", INDEXED),
        type_id: b.add_u64_field("type_id", INDEXED),
        state: b.add_text_field("state", STRING),
    };
    (b.build(), fields)
}

/// Filters and reach of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    /// Departments in reach; `None` = the whole office.
    pub departments: Option<Vec<DepartmentId>>,
    /// Only this petitioner's own petitions (residents).
    pub petitioner_account_id: Option<AccountId>,
    pub type_id: Option<i64>,
    pub state: Option<State>,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: i64,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

/// One process's search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: tokio::sync::Mutex<IndexWriter>,
    fields: Fields,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SearchIndex")
    }
}

/// Memory the indexer may use before it flushes a segment.
const WRITER_BYTES: usize = 64 * 1024 * 1024;

impl SearchIndex {
    /// An index in `dir` (created if missing), or in memory when `dir` is `None`.
    pub fn open(dir: Option<&Path>) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let index = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::internal("search index directory", e))?;
                let mmap = tantivy::directory::MmapDirectory::open(dir)
                    .map_err(|e| StoreError::internal("search index directory", e))?;
                match Index::open_or_create(mmap, schema.clone()) {
                    Ok(i) => i,
                    // An index from an older schema: start afresh; it is rebuilt from the DB.
                    Err(tantivy::TantivyError::SchemaError(_)) => {
                        std::fs::remove_dir_all(dir)
                            .map_err(|e| StoreError::internal("search index directory", e))?;
                        std::fs::create_dir_all(dir)
                            .map_err(|e| StoreError::internal("search index directory", e))?;
                        let mmap = tantivy::directory::MmapDirectory::open(dir)
                            .map_err(|e| StoreError::internal("search index directory", e))?;
                        Index::open_or_create(mmap, schema).map_err(search_error)?
                    }
                    Err(e) => return Err(search_error(e)),
                }
            }
            None => Index::create_in_ram(schema),
        };
        index
            .tokenizers()
            .register(KOREAN, TextAnalyzer::builder(KoreanTokenizer).build());
        let writer = index.writer(WRITER_BYTES).map_err(search_error)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(search_error)?;
        Ok(SearchIndex {
            index,
            reader,
            writer: tokio::sync::Mutex::new(writer),
            fields,
        })
    }

    /// The last change number the index has seen.
    pub fn indexed_seq(&self) -> Result<i64> {
        let metas = self.index.load_metas().map_err(search_error)?;
        Ok(metas.payload.and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// Index every petition changed since the last commit. Returns how many were (re)indexed.
    pub async fn catch_up(&self, db: &Db) -> Result<u64> {
        let mut writer = self.writer.lock().await;
        let mut seen = self.indexed_seq()?;
        let mut done = 0u64;
        loop {
            type Row = (
                i64,
                String,
                String,
                String,
                Option<i64>,
                Option<i64>,
                i64,
                String,
                i64,
            );
            let rows: Vec<Row> = fetch_all!(
                db,
                _,
                "SELECT id, title, body, derived, department_id, petitioner_account_id, type_id, state, change_seq \
                     FROM petitions WHERE change_seq > $1 ORDER BY change_seq LIMIT 5000",
                seen
            )?;
            // Petitions deleted at the end of their retention leave a purge record with a
            // change number of its own: their entries go too.
            let purges: Vec<(i64, i64)> = fetch_all!(
                db,
                _,
                "SELECT petition_id, change_seq FROM petition_purges WHERE change_seq > $1 \
                     ORDER BY change_seq LIMIT 5000",
                seen
            )?;
            if rows.is_empty() && purges.is_empty() {
                break;
            }
            // A full batch may have more behind it: stop at the lower of the full batches'
            // last numbers so nothing in between is skipped.
            let full = |n: usize| n == 5000;
            let batch_last = match (rows.last(), purges.last()) {
                (Some(r), Some(p)) if full(rows.len()) && full(purges.len()) => r.8.min(p.1),
                (Some(r), _) if full(rows.len()) => r.8,
                (_, Some(p)) if full(purges.len()) => p.1,
                (r, p) => r.map_or(0, |r| r.8).max(p.map_or(0, |p| p.1)),
            };
            let f = self.fields;
            for (id, _) in purges.iter().filter(|p| p.1 <= batch_last) {
                writer.delete_term(Term::from_field_u64(f.id, u64::try_from(*id).unwrap_or(0)));
                done += 1;
            }
            for (id, title, body, derived, dept, petitioner, type_id, state, _) in
                rows.into_iter().filter(|r| r.8 <= batch_last)
            {
                let id = u64::try_from(id).unwrap_or(0);
                writer.delete_term(Term::from_field_u64(f.id, id));
                let mut doc = TantivyDocument::new();
                doc.add_u64(f.id, id);
                doc.add_text(f.title, &title);
                doc.add_text(f.body, &body);
                if let Ok(d) = serde_json::from_str::<Derived>(&derived) {
                    for a in d.answers {
                        doc.add_text(f.answers, &a.text);
                    }
                }
                if let Some(dept) = dept {
                    doc.add_u64(f.department, u64::try_from(dept).unwrap_or(0));
                }
                if let Some(p) = petitioner {
                    doc.add_u64(f.petitioner, u64::try_from(p).unwrap_or(0));
                }
                doc.add_u64(f.type_id, u64::try_from(type_id).unwrap_or(0));
                doc.add_text(f.state, &state);
                writer.add_document(doc).map_err(search_error)?;
                done += 1;
            }
            seen = batch_last;
            let mut commit = writer.prepare_commit().map_err(search_error)?;
            commit.set_payload(&seen.to_string());
            commit.commit().map_err(search_error)?;
        }
        if done > 0 {
            self.reader.reload().map_err(search_error)?;
        }
        Ok(done)
    }

    /// Drop everything and index the whole database again.
    pub async fn rebuild(&self, db: &Db) -> Result<u64> {
        {
            let mut writer = self.writer.lock().await;
            writer.delete_all_documents().map_err(search_error)?;
            let mut commit = writer.prepare_commit().map_err(search_error)?;
            commit.set_payload("0");
            commit.commit().map_err(search_error)?;
        }
        let n = self.catch_up(db).await?;
        self.reader.reload().map_err(search_error)?;
        Ok(n)
    }

    /// Search, after catching up with the database.
    pub async fn search(&self, db: &Db, q: &SearchQuery) -> Result<SearchResult> {
        self.catch_up(db).await?;
        let f = self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Each query word must match: as a whole word, or (for longer Hangul/Han words) with all
        // of its bigrams, so an inflected form in the text still matches.
        let tokens = text::tokenize(&q.text);
        let mut words: Vec<(String, Vec<String>)> = Vec::new();
        for t in tokens {
            match t.kind {
                text::TokenKind::Word => words.push((t.text, Vec::new())),
                text::TokenKind::Bigram => {
                    if let Some(last) = words.last_mut() {
                        last.1.push(t.text);
                    }
                }
            }
        }
        if words.is_empty() {
            return Ok(SearchResult {
                total: 0,
                hits: vec![],
            });
        }
        for (word, bigrams) in words.iter().take(16) {
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for field in [f.title, f.body, f.answers] {
                alternatives.push((Occur::Should, term(field, word)));
                if !bigrams.is_empty() {
                    let all: Vec<(Occur, Box<dyn Query>)> = bigrams
                        .iter()
                        .map(|b| (Occur::Must, term(field, b)))
                        .collect();
                    alternatives.push((Occur::Should, Box::new(BooleanQuery::new(all))));
                }
            }
            must.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        if let Some(depts) = &q.departments {
            let any: Vec<(Occur, Box<dyn Query>)> = depts
                .iter()
                .map(|d| (Occur::Should, u64_term(f.department, *d)))
                .collect();
            if any.is_empty() {
                return Ok(SearchResult {
                    total: 0,
                    hits: vec![],
                });
            }
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(p) = q.petitioner_account_id {
            must.push((Occur::Must, u64_term(f.petitioner, p)));
        }
        if let Some(t) = q.type_id {
            must.push((Occur::Must, u64_term(f.type_id, t)));
        }
        if let Some(s) = q.state {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.state, s.as_str()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let query = BooleanQuery::new(must);
        let searcher = self.reader.searcher();
        let limit = q.limit.clamp(1, 200);
        let (top, total) = searcher
            .search(
                &query,
                &(
                    TopDocs::with_limit(limit)
                        .and_offset(q.offset)
                        .order_by_score(),
                    Count,
                ),
            )
            .map_err(search_error)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(search_error)?;
            if let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) {
                hits.push(SearchHit {
                    id: i64::try_from(id).unwrap_or(0),
                    score,
                });
            }
        }
        Ok(SearchResult { total, hits })
    }
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn u64_term(field: Field, v: i64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, u64::try_from(v).unwrap_or(u64::MAX)),
        IndexRecordOption::Basic,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_gives_words_and_bigrams() {
        let mut t = KoreanTokenizer;
        let mut s = t.token_stream("도로 파손된 곳");
        let mut out = Vec::new();
        while s.advance() {
            out.push(s.token().text.clone());
        }
        assert_eq!(out, vec!["도로", "파손된", "파손", "손된", "곳"]);
        let mut empty = t.token_stream("");
        assert!(!empty.advance());
    }
}

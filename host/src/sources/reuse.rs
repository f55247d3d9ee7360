//! Lists kept for a while, so that exploring a big cluster statement after statement does not
//! download it again for every statement (`kubequery shell`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{DataSource, Page, Pages, Selection};
use crate::schema::{Cluster, Source};

/// Bytes of pages kept at most; a List that would take the total past it is not kept.
const MAX_KEPT_BYTES: usize = 1 << 30;

/// A source that answers a scan from the pages of an earlier, complete scan of the same
/// resource and selection when that scan is younger than `ttl`.
pub struct Reusing {
    inner: Arc<dyn DataSource>,
    ttl: Duration,
    kept: Arc<Mutex<Kept>>,
}

#[derive(Default)]
struct Kept {
    lists: HashMap<(Source, Selection), (Instant, Vec<Page>)>,
    bytes: usize,
}

impl Kept {
    fn forget_older_than(&mut self, ttl: Duration) {
        let before = self.lists.len();
        self.lists.retain(|_, (fetched, _)| fetched.elapsed() < ttl);
        if self.lists.len() != before {
            self.bytes = self.lists.values().flat_map(|(_, pages)| pages).map(|p| p.body.len()).sum();
        }
    }
}

impl Reusing {
    /// Keeps what `inner` lists for `ttl` (nothing when it is zero).
    pub fn new(inner: Arc<dyn DataSource>, ttl: Duration) -> Self {
        Reusing { inner, ttl, kept: Arc::default() }
    }

    /// Forgets every kept List: the next scans read the clusters again.
    pub fn refresh(&self) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.lists.clear();
        kept.bytes = 0;
    }
}

impl DataSource for Reusing {
    fn clusters(&self) -> Vec<Arc<Cluster>> {
        self.inner.clusters()
    }

    fn resources(&self) -> Vec<crate::schema::ApiResource> {
        self.inner.resources()
    }

    fn pages(&self, table: &str, source: &Source, selection: &Selection) -> Pages<'_> {
        if self.ttl.is_zero() {
            return self.inner.pages(table, source, selection);
        }
        let key = (source.clone(), selection.clone());
        {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            kept.forget_older_than(self.ttl);
            if let Some((_, pages)) = kept.lists.get(&key) {
                tracing::debug!("reusing a List fetched less than {} s ago", self.ttl.as_secs());
                return Box::new(pages.clone().into_iter().map(Ok));
            }
        }
        // Pass the pages on as they come, keeping copies (reference-counted bytes) until the
        // List is complete; a failed or abandoned scan keeps nothing.
        let mut copies = Some(Vec::new());
        let mut inner = self.inner.pages(table, source, selection);
        let kept = self.kept.clone();
        Box::new(std::iter::from_fn(move || {
            let next = inner.next();
            match &next {
                Some(Ok(page)) => {
                    if let Some(copies) = copies.as_mut() {
                        copies.push(page.clone());
                    }
                }
                Some(Err(_)) => copies = None,
                None => {
                    if let Some(pages) = copies.take() {
                        let bytes: usize = pages.iter().map(|p| p.body.len()).sum();
                        let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                        if kept.bytes + bytes <= MAX_KEPT_BYTES {
                            kept.bytes += bytes;
                            kept.lists.insert(key.clone(), (Instant::now(), pages));
                        }
                    }
                }
            }
            next
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::schema::ApiResource;

    /// A source of one page that counts how often it is listed.
    struct Counting(AtomicUsize, Arc<Cluster>);

    impl DataSource for Counting {
        fn clusters(&self) -> Vec<Arc<Cluster>> {
            vec![self.1.clone()]
        }

        fn pages(&self, _: &str, _: &Source, _: &Selection) -> Pages<'_> {
            self.0.fetch_add(1, Ordering::Relaxed);
            let page = Page::new(self.1.clone(), bytes::Bytes::from_static(b"{\"items\":[]}"));
            Box::new(std::iter::once(Ok(page)))
        }
    }

    #[test]
    fn a_complete_list_is_reused_until_it_expires_or_is_refreshed() {
        let counting = Arc::new(Counting(AtomicUsize::new(0), Arc::new(Cluster::default())));
        let reusing = Reusing::new(counting.clone(), Duration::from_millis(300));
        let source = Source::Resource(ApiResource::core("pods", "Pod"));
        let everything = Selection::default();
        let narrowed = Selection { namespaces: vec!["a".into()], ..Selection::default() };
        let count = |selection: &Selection| reusing.pages("t", &source, selection).count();
        assert_eq!((count(&everything), count(&everything)), (1, 1));
        assert_eq!(counting.0.load(Ordering::Relaxed), 1, "the second scan reused the first");
        count(&narrowed);
        assert_eq!(counting.0.load(Ordering::Relaxed), 2, "another selection is another List");
        reusing.refresh();
        count(&everything);
        assert_eq!(counting.0.load(Ordering::Relaxed), 3, "refreshed");
        std::thread::sleep(Duration::from_millis(400));
        count(&everything);
        assert_eq!(counting.0.load(Ordering::Relaxed), 4, "expired");
    }
}

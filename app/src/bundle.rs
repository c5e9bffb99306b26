//! The browser's downloads of the WASM bundle survive a server restart.
//!
//! Islands hydrate after the page is shown, and a lazy island fetches its chunk only then. If
//! the server is restarting at that moment (a deploy, a crash and its restart), the download
//! fails, the chunk loader reports a failed load and the island's hydration panics: the page
//! stays as the server rendered it, but nothing on it is live until a reload. So the page's
//! first script wraps `fetch` for this site's `/pkg/` files: a download that fails on the
//! network (or gets a 5xx) is tried again with backoff, as the WebSocket reconnects, until the
//! server answers or a few minutes have passed.

/// Runs in `<head>`, before the island script and the chunk loader call `fetch`.
pub const RETRY_SCRIPT: &str = "(function(){var f=window.fetch;if(!f)return;\
window.fetch=function(input,init){var self=this,url;\
try{url=new URL(input instanceof Request?input.url:String(input),location.href);}catch(e){return f.call(self,input,init);}\
if(url.origin!==location.origin||url.pathname.indexOf('/pkg/')!==0)return f.call(self,input,init);\
return new Promise(function(resolve,reject){var n=0;\
function again(last,fail){if(n>=40){fail(last);return;}setTimeout(attempt,Math.min(250*Math.pow(2,n++),8000));}\
function attempt(){f.call(self,input,init).then(function(r){if(r.status>=500)again(r,resolve);else resolve(r);},function(e){again(e,reject);});}\
attempt();});};})();";

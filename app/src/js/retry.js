// Downloads of this site's bundle files (the WASM bundle, its chunks: /assets/<hash>/pkg/… or
// /pkg/…) that fail on the network or get a 5xx are tried again with backoff, as the live
// connection reconnects, until the server answers or a few minutes have passed (see
// app/src/bundle.rs).
(() => {
	const plainFetch = window.fetch;
	if (!plainFetch) return;
	window.fetch = function (input, init) {
		let url;
		try {
			url = new URL(input instanceof Request ? input.url : String(input), location.href);
		} catch (e) {
			return plainFetch.call(this, input, init);
		}
		if (url.origin !== location.origin || !/^\/(assets\/[^/]+\/)?pkg\//.test(url.pathname)) {
			return plainFetch.call(this, input, init);
		}
		return new Promise((resolve, reject) => {
			let tries = 0;
			const again = (last, give) => {
				if (tries >= 40) return give(last);
				setTimeout(attempt, Math.min(250 * 2 ** tries++, 8000));
			};
			const attempt = () =>
				plainFetch.call(this, input, init).then(
					(r) => (r.status >= 500 ? again(r, resolve) : resolve(r)),
					(e) => again(e, reject),
				);
			attempt();
		});
	};
})();

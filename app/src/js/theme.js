// Applies the saved theme (or the system's) before the first paint: no flash of the wrong one.
(() => {
	try {
		const saved = localStorage.getItem("theme");
		const dark = saved === "dark" || (!saved && matchMedia("(prefers-color-scheme: dark)").matches);
		document.documentElement.classList.toggle("dark", dark);
	} catch (e) {
		// No storage (private mode, blocked): the light theme stays.
	}
})();

// The HTML template depends on puppeteer for its optional PDF output, which we do not build: never download a browser.
module.exports = { skipDownload: true };

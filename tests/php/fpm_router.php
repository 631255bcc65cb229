<?php
// Router for `php -S` (the cli-server SAPI), which, unlike the CLI, enforces `ffi.enable=preload` as
// php-fpm does: only preloaded code may use FFI. Run by tests/ffi_php.rs with the settings of
// examples/php/fpm/php.ini.
//   /request    -> examples/php/fpm/request.php (plain request code calling the preloaded classes)
//   /restricted -> FFI used directly from request code, which the setting must refuse

declare(strict_types=1);

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
if ($path === '/request') {
    require __DIR__ . '/../../examples/php/fpm/request.php';
} elseif ($path === '/restricted') {
    try {
        FFI::cdef('int abs(int);');
        echo "FFI is not restricted\n";
    } catch (FFI\Exception $e) {
        echo 'restricted: ', $e->getMessage(), "\n";
    }
} else {
    http_response_code(404);
}

<?php
// opcache.preload script for php-fpm: compiles the zweck classes once, when the FPM master starts,
// so every worker has them without loading a file per request, and so that their methods may use
// FFI under `ffi.enable=preload` (which allows FFI only in preloaded code).
//
// The C declarations are preloaded by `ffi.preload=/usr/local/include/zweck_php.h` (see php.ini);
// Zweck\Zweck::instance() then finds them as FFI::scope('zweck'). Without that setting, this script
// loads the header itself: FFI::load() during preloading registers the same scope.
//
// Adjust ZWECK_BINDING when the binding lives elsewhere (e.g. vendor/zweck/zweck/bindings/php).

declare(strict_types=1);

const ZWECK_BINDING = __DIR__ . '/../../../bindings/php';

if (ini_get('ffi.preload') === '' || ini_get('ffi.preload') === false) {
    $header = getenv('ZWECK_HEADER') ?: '/usr/local/include/zweck_php.h';
    FFI::load($header);
}

// Loading each class through the autoloader links it with its parents (ZweckException first), which
// preloading needs; opcache keeps them for every request.
require ZWECK_BINDING . '/autoload.php';
foreach (glob(ZWECK_BINDING . '/src/*.php') as $file) {
    $class = 'Zweck\\' . basename($file, '.php');
    if (!class_exists($class) && !enum_exists($class)) {
        throw new RuntimeException("preloading {$file} did not define {$class}");
    }
}

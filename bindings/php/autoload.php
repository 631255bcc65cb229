<?php
// Autoloader for the zweck PHP binding without Composer: `require 'bindings/php/autoload.php';`.
// With Composer, bindings/php/composer.json maps the Zweck\ namespace to src/ (PSR-4) instead.

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Zweck\\')) {
        $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 6)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
